using System.Text.Json;

namespace Bert.Gpu.Cli.Serve;

/// <summary>
/// The OpenAPI 3.1 document served at /docs, built by hand from the route table below (the routes read their bodies
/// by hand too, so there are no request types for a generator to describe): each route's request fields and answer.
/// </summary>
internal static class OpenApiDocument
{
    private sealed record Route(string Path, string Summary, string Fields, string Answer);

    private static readonly Route[] Posts =
    [
        new("/embed", "Pooled embeddings (also POST /)", "inputs: string | [string] | [int] | [[int]]; truncate: bool; truncation_direction: right|left; normalize: bool (true); dimensions: int", "[[float]]"),
        new("/embed_all", "Every token's last hidden state", "inputs; truncate; truncation_direction", "[[[float]]]"),
        new("/predict", "Sequence-classifier scores", "inputs: string | [string, string] | [string | [string, string]]; raw_scores: bool; truncate; truncation_direction", "[{score, label}] | [[{score, label}]]"),
        new("/rerank", "Cross-encoder scores of texts against a query, best first", "query: string; texts: [string]; raw_scores: bool; return_text: bool; truncate; truncation_direction", "[{index, score, text?}]"),
        new("/similarity", "Cosine similarity of a source sentence to sentences", "inputs: {source_sentence: string, sentences: [string]}; parameters: {truncate, truncation_direction}", "[float]"),
        new("/tokenize", "Tokens of texts", "inputs: string | [string]; add_special_tokens: bool (true)", "[[{id, text, special, start, stop}]]"),
        new("/decode", "Texts of token ids", "ids: [int] | [[int]]; skip_special_tokens: bool (true)", "[string]"),
        new("/v1/embeddings", "OpenAI embeddings (also POST /embeddings)", "input: string | [string] | [int] | [[int]]; model: string; encoding_format: float|base64; dimensions: int", "{object: list, data: [{object: embedding, embedding: [float] | base64, index}], model, usage: {prompt_tokens, total_tokens}}"),
    ];

    private static readonly Route[] Gets =
    [
        new("/health", "200 once the model is loaded", "", "(empty)"),
        new("/info", "Model, dtype, limits, version", "", "{model_id, model_dtype, model_type, max_input_length, max_batch_tokens, max_client_batch_size, …, version}"),
        new("/metrics", "Prometheus metrics (te_*)", "", "text/plain"),
        new("/docs", "This document", "", "OpenAPI 3.1 JSON"),
    ];

    public static void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("openapi", "3.1.0");
        w.WriteStartObject("info");
        w.WriteString("title", "Bert.Gpu serve");
        w.WriteString("version", InfoRoutes.Version);
        w.WriteString("description", "TEI's routes and OpenAI's embeddings route; errors are {error, error_type} (OpenAI routes: {error: {message, type, code}}). docs/SERVE.md has the details.");
        w.WriteEndObject();
        w.WriteStartObject("paths");
        foreach (var (routes, method) in new[] { (Posts, "post"), (Gets, "get") })
        {
            foreach (var route in routes)
            {
                w.WriteStartObject(route.Path);
                w.WriteStartObject(method);
                w.WriteString("summary", route.Summary);
                if (route.Fields.Length > 0)
                {
                    w.WriteStartObject("requestBody");
                    w.WriteString("description", route.Fields);
                    w.WriteStartObject("content");
                    w.WriteStartObject("application/json");
                    w.WriteStartObject("schema");
                    w.WriteString("type", "object");
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                w.WriteStartObject("responses");
                w.WriteStartObject("200");
                w.WriteString("description", route.Answer);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            }
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
