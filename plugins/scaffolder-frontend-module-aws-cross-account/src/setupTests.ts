import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// Renders on a busy two-core CI machine can take longer than testing-library's default.
configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);
