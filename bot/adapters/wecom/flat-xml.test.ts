import { describe, expect, it } from 'vitest';
import { FlatXmlError, parseFlatXml } from './flat-xml.js';

const fields = (xml: string) => Object.fromEntries(parseFlatXml(xml));

describe('parseFlatXml', () => {
  it('reads the callback envelope and the documented text message', () => {
    expect(
      fields(
        '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><AgentID><![CDATA[218]]></AgentID><Encrypt><![CDATA[RypE+/=]]></Encrypt></xml>',
      ),
    ).toEqual({ ToUserName: 'wx5823bf96d3bd56c7', AgentID: '218', Encrypt: 'RypE+/=' });
    expect(
      fields(
        '<?xml version="1.0"?>\n<xml>\n <ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n <CreateTime>1409659813</CreateTime>\n <Content><![CDATA[hello <b>&amp; ]]]]><![CDATA[>]]></Content>\n <Empty/>\n</xml>\n',
      ),
    ).toEqual({
      ToUserName: 'wx5823bf96d3bd56c7',
      CreateTime: '1409659813',
      Content: 'hello <b>&amp; ]]>',
      Empty: '',
    });
  });

  it('decodes the predefined and numeric entities in plain text only', () => {
    expect(fields('<xml><A>a &lt; b &amp;&amp; c&#x4E2D;&#25991;&quot;&apos;&gt;</A></xml>')).toEqual({
      A: 'a < b && c中文"\'>',
    });
  });

  it('skips nested elements of event messages without reading them', () => {
    expect(
      fields(
        '<xml><Event>pic</Event><SendPicsInfo><Count>1</Count><PicList><item><A>x</A></item></PicList></SendPicsInfo></xml>',
      ),
    ).toEqual({ Event: 'pic' });
  });

  it('refuses DTDs, custom entities, processing instructions and anything outside <xml>', () => {
    for (const xml of [
      '<!DOCTYPE xml [<!ENTITY e "boom">]><xml><A>&e;</A></xml>',
      '<xml><!DOCTYPE x><A>1</A></xml>',
      '<xml><A>&e;</A></xml>',
      '<xml><A>&#0;&#xD800;</A></xml>',
      '<xml><A><?php ?></A></xml>',
      '<root><A>1</A></root>',
      '<xml><A>1</A></xml><xml/>',
      '<xml><A>1</A>',
      '<xml><A>1</B></xml>',
      '<xml><A x="1">1</A></xml>',
      '<xml><A><![CDATA[1</A></xml>',
      '<xml>text<A>1</A></xml>',
      '',
    ]) {
      expect(() => parseFlatXml(xml), xml).toThrow(FlatXmlError);
    }
  });

  it('refuses a field given twice, so no reader can pick the other one', () => {
    expect(() => parseFlatXml('<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>')).toThrow(/duplicate/);
  });

  it('stops at a nesting depth and stays linear on many entities', () => {
    expect(() => parseFlatXml(`<xml>${'<A>'.repeat(20)}${'</A>'.repeat(20)}</xml>`)).toThrow(/deeply/);
    const many = '&amp;'.repeat(50_000);
    const started = performance.now();
    expect(parseFlatXml(`<xml><A>${many}</A></xml>`).get('A')).toHaveLength(50_000);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
