import fs from 'node:fs';
import {
  findMotoPython,
  findMotoServer,
  MOTO_INSTALL_HINT,
  SANDBOX_MOTO_LAUNCHER,
  startMoto,
} from './moto';

jest.setTimeout(60_000);

describe('startMoto', () => {
  it('starts on a free loopback port and stops', async () => {
    const moto = await startMoto();
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const url = `${moto.endpoint}/moto-api/data.json`;
    // No keep-alive: a pooled connection must not outlive the server in this check. The
    // answer is read whole: a body still in flight when the server stops makes Node's fetch
    // fail an internal assertion (data.json grows with every account the sandbox seeds).
    const probe = () =>
      fetch(url, { headers: { connection: 'close' } }).then(
        async r => {
          await r.arrayBuffer();
          return r.status;
        },
        () => 'refused' as const,
      );
    expect(await probe()).toBe(200);
    await moto.stop();
    // Under load the kernel may take a moment to tear the listener down.
    let after: number | 'refused' = await probe();
    for (let i = 0; i < 20 && after !== 'refused'; i++) {
      await new Promise(r => setTimeout(r, 100));
      after = await probe();
    }
    expect(after).toBe('refused');
  });

  it('refuses a port that is already in use instead of probing the other server', async () => {
    const first = await startMoto();
    try {
      await expect(startMoto({ port: first.port })).rejects.toThrow(
        `port ${first.port} is already in use`,
      );
    } finally {
      await first.stop();
    }
  });

  it('explains how to install moto_server when it is missing', () => {
    const previous = process.env.MOTO_SERVER_BIN;
    process.env.MOTO_SERVER_BIN = 'moto_server_that_does_not_exist';
    try {
      expect(() => findMotoServer()).toThrow(MOTO_INSTALL_HINT);
      expect(MOTO_INSTALL_HINT).toContain('pip install "moto[server]"');
    } finally {
      if (previous === undefined) delete process.env.MOTO_SERVER_BIN;
      else process.env.MOTO_SERVER_BIN = previous;
    }
  });
});

describe('findMotoPython', () => {
  it('explains how to install moto when the Python cannot import it', () => {
    const previous = process.env.MOTO_PYTHON;
    process.env.MOTO_PYTHON = 'python_that_does_not_exist';
    try {
      expect(() => findMotoPython()).toThrow(MOTO_INSTALL_HINT);
      expect(() => findMotoPython()).toThrow('pip install "moto[server]"');
    } finally {
      if (previous === undefined) delete process.env.MOTO_PYTHON;
      else process.env.MOTO_PYTHON = previous;
    }
  });

  it('finds the launcher next to the package', () => {
    expect(fs.existsSync(SANDBOX_MOTO_LAUNCHER)).toBe(true);
  });
});
