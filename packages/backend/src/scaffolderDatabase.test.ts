import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import request from 'supertest';

jest.setTimeout(120_000);

// The scaffolder keeps its tasks in the database; production runs it on PostgreSQL, local
// development on SQLite. The same suite runs on both (PostgreSQL through the
// BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING convention set by scripts/test.sh).
const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const template = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'hello', namespace: 'default' },
  spec: {
    type: 'service',
    owner: 'group:default/guests',
    parameters: [
      {
        properties: { name: { type: 'string', pattern: '^[a-z0-9-]+$' } },
        required: ['name'],
      },
    ],
    steps: [
      {
        id: 'say',
        name: 'Say hello',
        action: 'debug:log',
        input: { message: 'hello ${{ parameters.name }}' },
      },
    ],
    output: {
      text: [{ title: 'Greeting', content: 'hi ${{ parameters.name }}' }],
    },
  },
};

describe.each(databases.eachSupportedId())('scaffolder on %p', databaseId => {
  it('stores a task and runs it to completion', async () => {
    const knex = await databases.init(databaseId);
    // The scaffolder watches each task it runs for cancellation: it reads the task's events
    // once a second until it reads the completion, and stopping the backend does not stop
    // it. A read after TestDatabases has destroyed this database's pool rejects unhandled,
    // inside whichever test file runs next, so the test waits for that last read.
    const completionRead = new Promise<void>(resolve => {
      knex.on('query-response', function onResponse(response: unknown) {
        if (
          Array.isArray(response) &&
          response.some(row => row?.event_type === 'completion')
        ) {
          knex.off('query-response', onResponse);
          resolve();
        }
      });
    });
    const backend = await startTestBackend({
      features: [
        scaffolderPlugin,
        mockServices.database.factory({ knex }),
        catalogServiceMock.factory({ entities: [template] }),
      ],
    });

    const { server } = backend;
    // Stop the scaffolder's task workers before TestDatabases drops this database: a worker
    // polling a destroyed pool fails later, inside whichever test file runs next.
    try {
      const created = await request(server)
        .post('/api/scaffolder/v2/tasks')
        .set('Authorization', mockCredentials.user.header())
        .send({
          templateRef: 'template:default/hello',
          values: { name: 'world' },
        });
      expect(created.status).toBe(201);

      let status = 'open';
      for (
        let i = 0;
        i < 100 && !['completed', 'failed'].includes(status);
        i++
      ) {
        await new Promise(r => setTimeout(r, 200));
        const task = await request(server)
          .get(`/api/scaffolder/v2/tasks/${created.body.id}`)
          .set('Authorization', mockCredentials.user.header());
        status = task.body.status;
      }
      expect(status).toBe('completed');

      const rows = await knex('tasks').where({ id: created.body.id });
      expect(rows).toHaveLength(1);
      expect(rows[0].status).toBe('completed');
      await completionRead;
    } finally {
      await backend.stop();
    }
  });
});
