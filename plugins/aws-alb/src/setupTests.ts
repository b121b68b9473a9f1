import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The tab is lazy-loaded and pulls in the syntax highlighter; on a busy two-core CI machine
// the first render can take longer than testing-library's default of one second.
configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);
