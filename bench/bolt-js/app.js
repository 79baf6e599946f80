// A minimal Bolt for JavaScript app answering `/incident help`, for bench/ack-path.sh.
//
// It acks with the same blocks Firebreak answers (read from BENCH_HELP_JSON) and makes no Web
// API call: `authorize` returns a fixed installation instead of calling auth.test.
const { App, LogLevel } = require('@slack/bolt');

const help = require(process.env.BENCH_HELP_JSON);

const app = new App({
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  endpoints: '/slack/commands',
  authorize: async () => ({ botToken: 'xoxb-bench', botId: 'B0BENCH', botUserId: 'U0BENCH' }),
  logLevel: LogLevel.WARN,
});

app.command('/incident', async ({ ack }) => {
  await ack({ response_type: 'ephemeral', text: help.text, blocks: help.blocks });
});

(async () => {
  const port = Number(process.env.PORT || 3103);
  await app.start(port);
  console.log(`bolt-js listening on ${port}`);
})();
