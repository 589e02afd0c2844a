import type { Api } from '../api.js';

interface JssdkSignatureView {
  corpId: string;
  agentId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

/** Inside WeCom's own browser, where `@wecom/jssdk` can open the native scanner. */
export const inWecom = (userAgent: string = navigator.userAgent): boolean => /wxwork/i.test(userAgent);

/**
 * Opens WeCom's scanner through `@wecom/jssdk` and resolves with the scanned text. The page is
 * registered with signatures from `/api/auth/wecom/jssdk-signature`, signed for this page's URL.
 */
export async function scanInWecom(api: Api): Promise<string> {
  const ww = await import('@wecom/jssdk');
  const url = location.href.split('#')[0]!;
  const sign = (kind: 'config' | 'agent') =>
    api.call<JssdkSignatureView>(
      'GET',
      `/api/auth/wecom/jssdk-signature?kind=${kind}&url=${encodeURIComponent(url)}`,
    );
  const first = await sign('config');
  const pick = (s: JssdkSignatureView) => ({
    timestamp: s.timestamp,
    nonceStr: s.nonceStr,
    signature: s.signature,
  });
  ww.register({
    corpId: first.corpId,
    agentId: first.agentId,
    jsApiList: ['scanQRCode'],
    getConfigSignature: async () => pick(await sign('config')),
    getAgentConfigSignature: async () => pick(await sign('agent')),
  });
  const result = await ww.scanQRCode({ needResult: true, scanType: [ww.ScanQRCodeType.qrCode] });
  return result.resultStr ?? '';
}
