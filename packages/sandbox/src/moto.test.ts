import { findMotoServer, MOTO_INSTALL_HINT, startMoto } from './moto';

jest.setTimeout(60_000);

describe('startMoto', () => {
  it('starts on a free loopback port and stops', async () => {
    const moto = await startMoto();
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${moto.endpoint}/moto-api/data.json`);
    expect(res.ok).toBe(true);
    await moto.stop();
    await expect(
      fetch(`${moto.endpoint}/moto-api/data.json`),
    ).rejects.toThrow();
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
