export interface Config {
  /** The sandbox portal's own settings (packages/sandbox). Never set in production. */
  sandbox?: {
    /**
     * Whether the sandbox backend modules register anything (scaffolder actions, `file`
     * catalog locations). Default: true unless NODE_ENV is `production`.
     */
    enabled?: boolean;
    /**
     * Where `sandbox:publish:local-git` writes repositories. Default
     * `<REPO_ROOT>/.sandbox/repos`.
     */
    publishDirectory?: string;
  };
}
