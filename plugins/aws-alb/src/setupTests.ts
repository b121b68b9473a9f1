import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The tab is lazy-loaded and pulls in the syntax highlighter; on a busy two-core CI machine
// the first render can take longer than testing-library's default of one second.
configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

// jsdom has no layout and no ResizeObserver; recharts' ResponsiveContainer needs one to
// mount. Sizes stay 0 in tests, so the charts draw nothing: tests read the values shown.
class NoLayoutResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
(globalThis as any).ResizeObserver ??= NoLayoutResizeObserver;
