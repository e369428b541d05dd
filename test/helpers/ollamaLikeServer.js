// A small OpenAI-compatible server that behaves like Ollama where it matters to the client: it
// ignores `n` (one choice per request, whatever n asks) and picks its answer by `seed`. It runs as
// its own process (`node ollamaLikeServer.js`), so tests can kill it like a real server.
// Environment: OLLAMA_LIKE_MODELS (comma-separated ids for /v1/models), OLLAMA_LIKE_TEXTS (a JSON
// file holding an array of answers; answer = texts[seed % length]), OLLAMA_LIKE_DELAY_MS (per reply).
// Prints {"port":N} once listening, then one JSON line per answered request: {model, n, seed, inFlight},
// and {"sent":seed} once that reply was handed to the socket (so a client killed after it got it).
const { createServer } = require('node:http');
const { readFileSync } = require('node:fs');

const models = (process.env.OLLAMA_LIKE_MODELS ?? 'llama3').split(',').filter(Boolean);
const texts = process.env.OLLAMA_LIKE_TEXTS ? JSON.parse(readFileSync(process.env.OLLAMA_LIKE_TEXTS, 'utf8')) : ['hello'];
const delayMs = Number(process.env.OLLAMA_LIKE_DELAY_MS ?? 50);
let inFlight = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/v1/models') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model', owned_by: 'library' })) }));
    return;
  }
  let raw = '';
  req.on('data', (d) => (raw += d));
  req.on('end', () => {
    const body = JSON.parse(raw);
    if (!models.includes(body.model)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `model "${body.model}" not found, try pulling it first`, type: 'api_error' } }));
      return;
    }
    inFlight++;
    const seen = inFlight;
    const text = texts[(body.seed ?? 0) % texts.length];
    setTimeout(() => {
      inFlight--;
      process.stdout.write(JSON.stringify({ model: body.model, n: body.n, seed: body.seed, inFlight: seen }) + '\n');
      const sent = () => process.stdout.write(JSON.stringify({ sent: body.seed ?? 0 }) + '\n');
      const id = `chatcmpl-${Math.floor(Math.random() * 1e6)}`;
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] }), sent);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: 'stop' }] })}\n\n`);
      res.end('data: [DONE]\n\n', sent);
    }, delayMs);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
