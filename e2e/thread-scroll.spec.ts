import { expect, test, type Page } from "./support/csp";
import { customerSendsImage, customerWritesMany, openConversation, ownerWithCloudNumber, uniqueDigits } from "./support/whatsapp";

/**
 * A thread opens at its newest message, and stays there when an image above it arrives
 * late: the last bubbles are never left below the fold.
 */
const tallImage = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320"><rect width="320" height="320" fill="#0a7"/></svg>`;

/** How far the thread's scrolling box is from its bottom, in pixels. */
function distanceFromBottom(page: Page): Promise<number> {
  return page
    .getByRole("list", { name: "Messages" })
    .evaluate((list) => {
      const box = list.parentElement!;
      return box.scrollHeight - box.scrollTop - box.clientHeight;
    });
}

test("a thread opens at its newest message, also when an image above it loads late", async ({ page, request }) => {
  const phoneNumberId = uniqueDigits("73");
  const { slug } = await ownerWithCloudNumber(page, "Scroll", phoneNumberId);
  const customer = { phoneNumberId, from: uniqueDigits("52"), name: `Scroll customer ${uniqueDigits("")}` };
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  await customerWritesMany(request, { ...customer, texts: Array.from({ length: 25 }, (_, i) => `Earlier line ${i + 1}`), at: minutesAgo(3) });
  await customerSendsImage(request, { ...customer, caption: "The parcel, torn", at: minutesAgo(2) });
  await customerWritesMany(request, { ...customer, texts: ["It came like this", "What can you do?"], at: minutesAgo(1) });

  // Meta's bytes are held back until the thread has opened, as on a slow connection.
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/w/*/messages/*/media*", async (route) => {
    await released;
    await route.fulfill({ status: 200, contentType: "image/svg+xml", body: tallImage });
  });

  await openConversation(page, slug, customer.name);
  const newest = page.getByRole("list", { name: "Messages" }).getByText("What can you do?");
  await expect(newest).toBeInViewport({ ratio: 1 });
  await expect.poll(() => distanceFromBottom(page)).toBeLessThanOrEqual(1);

  release();
  const image = page.getByRole("img", { name: "The parcel, torn" });
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalHeight > 0)).toBe(true);
  await expect.poll(() => distanceFromBottom(page)).toBeLessThanOrEqual(1);
  await expect(newest).toBeInViewport({ ratio: 1 });

  // Opened by its address too (a reload, a shared link).
  await page.reload();
  await expect(page.getByRole("list", { name: "Messages" }).getByText("What can you do?")).toBeInViewport({ ratio: 1 });
  await expect.poll(() => distanceFromBottom(page)).toBeLessThanOrEqual(1);
});
