import { render, screen, within } from '@testing-library/react';
import App from './App';

// The app as index.tsx renders it, with the config the dev server would inject, minus the
// sign-in page (the app then runs as the guest user, as after "Enter" on the sign-in page).
const appConfig = [
  {
    data: {
      app: {
        title: 'Test',
        baseUrl: 'http://localhost:3000',
        extensions: [{ 'sign-in-page:app': false }],
      },
      backend: { baseUrl: 'http://localhost:7007' },
    },
    context: 'test',
  },
];

describe('App', () => {
  // The config loader reads process.env.APP_CONFIG as an array, which process.env (strings
  // only) cannot hold: swap in a plain object for the test.
  const env = process.env;
  beforeEach(() => {
    process.env = { ...env, APP_CONFIG: appConfig as any };
  });
  afterEach(() => {
    process.env = env;
  });

  it("renders the project's sidebar, with the catalog page in its menu", async () => {
    render(App.createRoot());

    // navModule replaces the default navigation: its logo links home...
    const home = await screen.findByRole('link', { name: 'Home' });
    expect(home).toHaveAttribute('href', '/');
    // ...and it puts the catalog plugin's page in the menu, next to the search modal.
    const nav = home.closest('nav')!;
    expect(nav).not.toBeNull();
    expect(
      within(nav).getByRole('link', { name: /^catalog$/i }),
    ).toHaveAttribute('href', '/catalog');
    expect(within(nav).getByText('Search')).toBeInTheDocument();
  });
});
