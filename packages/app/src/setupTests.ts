import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The app renders lazily-loaded plugins; on a busy two-core machine (the full suite runs two
// workers) the first render can take longer than testing-library's default of one second.
configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);
