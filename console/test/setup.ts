// jsdom lacks what Cloudscape measures with; the component tests need no real layout.
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

class NoResizeObserver implements ResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= NoResizeObserver;
// eslint-disable-next-line @typescript-eslint/unbound-method -- jsdom may lack it; a stand-in that never matches
window.matchMedia ??= ((query: string) => ({
  matches: false,
  media: query,
  onchange: null,
  addListener: () => undefined,
  removeListener: () => undefined,
  addEventListener: () => undefined,
  removeEventListener: () => undefined,
  dispatchEvent: () => false,
})) as typeof window.matchMedia;

afterEach(() => {
  cleanup();
  sessionStorage.clear();
});
