namespace Bert.Gpu.Cli.Serve;

/// <summary>
/// A request the server refuses, with TEI's status and <c>error_type</c> (its router's mapping: validation → 413,
/// empty → 400, tokenizer → 422, overloaded → 429, backend → 424, unhealthy → 503), written as TEI's
/// <c>{"error", "error_type"}</c> or, on the OpenAI routes, OpenAI's <c>{"error": {message, type, code}}</c>.
/// </summary>
internal sealed class ApiError(int status, string type, string message) : Exception(message)
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>TEI's error type: validation, empty, tokenizer, overloaded, backend, unhealthy, or authentication.</summary>
    public string Type { get; } = type;

    /// <summary>The label of <c>te_request_failure{err=…}</c>.</summary>
    public string Reason { get; init; } = type;

    /// <summary>A limit or a check of the request's size (TEI: 413 validation).</summary>
    public static ApiError Validation(string message, string reason = "validation") => new(413, "validation", message) { Reason = reason };

    /// <summary>No inputs at all (TEI: 400 empty).</summary>
    public static ApiError Empty(string message) => new(400, "empty", message) { Reason = "validation" };

    /// <summary>A body that is no JSON, or a field of the wrong type or value (axum's JSON rejections: 400 / 422).</summary>
    public static ApiError BadRequest(string message, int status = 422) => new(status, "validation", message) { Reason = "validation" };

    /// <summary>Inputs the tokenizer or the vocabulary cannot take (TEI: 422 tokenizer).</summary>
    public static ApiError Tokenizer(string message) => new(422, "tokenizer", message);

    /// <summary>More inputs in flight than <c>--max-concurrent-requests</c> (TEI: 429 overloaded).</summary>
    public static ApiError Overloaded() => new(429, "overloaded", "Model is overloaded");

    /// <summary>The model cannot do what the route asks, or its computation failed (TEI: 424 backend).</summary>
    public static ApiError Backend(string message) => new(424, "backend", message);
}
