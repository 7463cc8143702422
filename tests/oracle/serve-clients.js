// Calls a running `Bert.Gpu.Cli serve` with the official clients and prints what they return, as JSON on stdout:
//   node serve-clients.js BASE_URL TEXTS.json
// openai (the official OpenAI node SDK): embeddings.create with its default encoding (it asks for base64 and decodes
// the float32 bytes itself), with encoding_format "float", and with dimensions 64; @huggingface/inference:
// featureExtraction against the server as an Inference Endpoint (endpointUrl = the base URL, POST /).
const fs = require("fs");
const OpenAI = require("openai");
const { InferenceClient } = require("@huggingface/inference");

async function main() {
  const [base, textsPath] = process.argv.slice(2);
  const texts = JSON.parse(fs.readFileSync(textsPath, "utf8"));
  const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: "not-checked", maxRetries: 0 });
  const rows = (response) => response.data.sort((a, b) => a.index - b.index).map((d) => Array.from(d.embedding));
  const base64 = await openai.embeddings.create({ model: "minilm", input: texts });
  const float = await openai.embeddings.create({ model: "minilm", input: texts, encoding_format: "float" });
  const cut = await openai.embeddings.create({ model: "minilm", input: texts, dimensions: 64 });
  const hf = await new InferenceClient().featureExtraction({ endpointUrl: base, inputs: texts });
  let overloaded = null;
  try {
    await openai.embeddings.create({ model: "minilm", input: texts.concat(texts, texts, texts, texts) });
  } catch (e) {
    overloaded = { status: e.status, message: e.message };
  }
  process.stdout.write(JSON.stringify({
    base64: rows(base64), float: rows(float), dimensions64: rows(cut), usage: base64.usage, hf, tooMany: overloaded,
  }));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
