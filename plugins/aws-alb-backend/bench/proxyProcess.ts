import { fork } from 'node:child_process';
import { ProxiedCall, startFaultProxy } from 'sandbox';

/** The fault proxy in its own process, so its work does not share the measured event loop. */
export interface RemoteFaultProxy {
  endpoint: string;
  /** Every call so far (or from index `from`). */
  calls(from?: number): Promise<ProxiedCall[]>;
  stop(): Promise<void>;
}

type Message =
  | { type: 'ready'; endpoint: string }
  | { type: 'calls'; id: number; calls: ProxiedCall[] };

export async function startFaultProxyProcess(options: {
  target: string;
  delayMs: number;
}): Promise<RemoteFaultProxy> {
  const child = fork(__filename, [options.target, String(options.delayMs)], {
    execArgv: [
      '-r',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
    ],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', code => reject(new Error(`proxy exited with ${code}`)));
    child.on('message', (m: Message) => {
      if (m.type === 'ready') resolve(m.endpoint);
    });
  });
  let nextId = 0;
  return {
    endpoint,
    calls(from = 0) {
      const id = nextId++;
      return new Promise(resolve => {
        const onMessage = (m: Message) => {
          if (m.type === 'calls' && m.id === id) {
            child.off('message', onMessage);
            resolve(m.calls);
          }
        };
        child.on('message', onMessage);
        child.send({ type: 'calls', id, from });
      });
    },
    async stop() {
      child.removeAllListeners('exit');
      const exited = new Promise(resolve => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

if (require.main === module) {
  const [target, delayMs] = process.argv.slice(2);
  // Every call held for the delay: the network round trip to AWS that moto does not have.
  startFaultProxy({
    target,
    rules: [{ match: '*', delayMs: Number(delayMs) }],
  }).then(proxy => {
    process.send!({ type: 'ready', endpoint: proxy.endpoint });
    process.on('message', (m: { type: string; id?: number; from?: number }) => {
      if (m.type === 'calls') {
        process.send!({
          type: 'calls',
          id: m.id,
          calls: proxy.calls.slice(m.from ?? 0),
        });
      } else if (m.type === 'stop') {
        proxy.stop().then(() => process.exit(0));
      }
    });
  });
}
