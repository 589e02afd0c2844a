import type { Page } from 'playwright-core';

/**
 * Drives the mini-app's rewards shop (`#/rewards`) and merchant counter (`#/merchant`) the way a
 * resident and a shopkeeper tap through them; the page must already show the shop or the counter.
 */

/** Taps 兑换 on the reward titled `title`, waits for the new one-time code, and returns it. */
export async function redeemInShop(page: Page, title: string): Promise<string> {
  const codes = page.locator('.redemption-code');
  const before = await codes.count();
  await page.locator('.reward', { hasText: title }).locator('.redeem').click();
  // The shop re-renders after a redemption; my redemptions are listed newest first.
  await page.waitForFunction((n) => document.querySelectorAll('.redemption-code').length > n, before);
  return (await codes.first().textContent())!;
}

/** Types the code at the counter, taps 核销, and returns the notice the counter answers with. */
export async function confirmAtCounter(page: Page, code: string): Promise<{ ok: boolean; text: string }> {
  await page.locator('.code-input').fill(code);
  await page.locator('.confirm-code').click();
  // The button stays disabled until the server has answered and the notice is shown.
  await page.locator('.confirm-code:not([disabled])').waitFor();
  const notice = page.locator('.feedback .notice');
  return {
    ok: (await notice.getAttribute('class'))!.includes('notice-done'),
    text: (await notice.textContent())!,
  };
}
