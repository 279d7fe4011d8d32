"""What a page must look like (on a small screen, and where the keyboard's focus is), checked in the
browser, with a message that names the culprit."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

# Elements that stick out past the right edge of the viewport, outside any box that scrolls or clips on its own
# (a wide table inside its own scrolling container is fine; the page itself must not scroll sideways).
_OVERFLOWING = """(width) => {
  const clipped = (element) => {
    for (let p = element.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  return [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > width + 0.5 && !clipped(e))
    .slice(0, 8)
    .map((e) => `${name(e)} (right edge ${Math.round(e.getBoundingClientRect().right)}px): `
      + (e.textContent || '').trim().slice(0, 60));
}"""


def document_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def assert_no_sideways_scroll(page: Page) -> None:
    """The document is no wider than the viewport."""
    width = page.viewport_size["width"]  # type: ignore[index]
    scroll_width = document_width(page)
    culprits = [] if scroll_width <= width else page.evaluate(_OVERFLOWING, width)
    assert scroll_width <= width, (
        f"{page.url} scrolls sideways at {width}px: the document is {scroll_width}px wide; sticking out: {culprits}")


def assert_usable(target: Locator, *, min_size: float = 0) -> None:
    """Visible, not cut off at either side of the screen once scrolled to, and (for a button) at least
    ``min_size`` px each way, to be tapped with a finger (links in a sentence are exempt: WCAG 2.5.8)."""
    expect(target).to_be_visible()
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    assert box is not None
    width = target.page.viewport_size["width"]  # type: ignore[index]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, f"cut off at the side: {box}"
    assert box["width"] >= min_size and box["height"] >= min_size, f"too small to tap: {box}"


def first_screen(target: Locator) -> bool:
    """Whether the element is on the first screen, without scrolling."""
    box = target.bounding_box()
    height = target.page.viewport_size["height"]  # type: ignore[index]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def has_visible_focus(page: Page) -> bool:
    """The focused element draws a focus indicator (an outline or a box shadow)."""
    return page.evaluate("""() => {
      const style = getComputedStyle(document.activeElement);
      return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
    }""")
