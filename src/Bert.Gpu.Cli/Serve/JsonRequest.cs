using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Bert.Gpu.Cli.Serve;

/// <summary>
/// A request's JSON body, read by hand rather than bound to types, so that each wrong field is a 4xx naming the field
/// and what it must be — never a binder's 500 or a message about .NET types.
/// </summary>
internal sealed class JsonRequest : IDisposable
{
    private readonly JsonDocument? _document; // null for a view of a nested object

    private JsonRequest(JsonDocument? document, JsonElement root, string path)
    {
        _document = document;
        Root = root;
        _path = path;
    }

    private readonly string _path;

    /// <summary>The object whose fields are read.</summary>
    public JsonElement Root { get; }

    /// <summary>A view of the nested object <paramref name="name"/> (e.g. /similarity's <c>parameters</c>), or null when absent.</summary>
    public JsonRequest? Object(string name) => Field(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } o => new JsonRequest(null, o, $"{_path}{name}."),
        { } other => throw WrongType(name, other, "an object"),
    };

    /// <summary>
    /// Reads and parses the body: not declared JSON is 415 (as TEI's axum <c>Json</c> extractor: <c>application/json</c>
    /// or a <c>+json</c> type, parameters such as charset allowed); over the payload limit is 413; not UTF-8 JSON is 400;
    /// not an object is 422.
    /// </summary>
    public static async Task<JsonRequest> ReadAsync(HttpContext context, int payloadLimit)
    {
        var request = context.Request;
        if (!IsJson(request.ContentType))
        {
            context.Response.Headers.Connection = "close"; // the body stays unread
            throw new ApiError(415, "validation",
                $"Expected a request with `Content-Type: application/json`, got {(string.IsNullOrEmpty(request.ContentType) ? "none" : $"`{request.ContentType}`")}; with curl add -H 'content-type: application/json'.")
            { Reason = "validation" };
        }
        if (request.ContentLength > payloadLimit)
        {
            // The body stays unread, so the connection cannot carry another request: say so, or a client reusing it fails.
            context.Response.Headers.Connection = "close";
            throw TooLarge(payloadLimit);
        }
        using var body = new MemoryStream();
        try
        {
            await request.Body.CopyToAsync(body, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            context.Response.Headers.Connection = "close";
            throw TooLarge(payloadLimit); // chunked bodies: Kestrel's MaxRequestBodySize stops them here
        }
        var bytes = body.GetBuffer().AsMemory(0, (int)body.Length);
        // JsonDocument checks UTF-8 only where it reads a string, too late for a clean 400: check it all first.
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
            throw ApiError.BadRequest("The body is not valid UTF-8; send JSON encoded as UTF-8.", status: 400);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw ApiError.BadRequest($"The body is not valid UTF-8 JSON: {e.Message}", status: 400);
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            throw ApiError.BadRequest($"The body is a JSON {Describe(kind)}; send an object such as {{\"inputs\": \"a text\"}}.");
        }
        return new JsonRequest(document, document.RootElement, "");
    }

    private static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType.Value is { } type
        && (type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase)));

    private static ApiError TooLarge(int limit) =>
        new(413, "validation", $"The body is larger than the payload limit of {limit} bytes; send fewer or shorter inputs, or start the server with a larger --payload-limit.") { Reason = "payload_limit" };

    /// <summary>The field, or null when it is absent or JSON null.</summary>
    public JsonElement? Field(string name) =>
        Root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>The field, which must be there.</summary>
    public JsonElement Required(string name, string example) =>
        Field(name) ?? throw ApiError.BadRequest($"Missing field `{_path}{name}`; send e.g. {{\"{name}\": {example}}}.");

    public bool? Bool(string name) => Field(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { } other => throw WrongType(_path + name, other, "true or false"),
    };

    public int? Int(string name) => Field(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var value) => value,
        { } other => throw WrongType(_path + name, other, "a whole number"),
    };

    public string? String(string name) => Field(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { } other => throw WrongType(_path + name, other, "a string"),
    };

    /// <summary>One of <paramref name="choices"/> (as written), or null when absent.</summary>
    public string? Choice(string name, params string[] choices)
    {
        var value = String(name);
        if (value is null || choices.Contains(value))
            return value;
        throw ApiError.BadRequest($"`{_path}{name}` is '{value}'; it must be one of {string.Join(", ", choices)}.");
    }

    public static ApiError WrongType(string name, JsonElement value, string expected) =>
        ApiError.BadRequest($"`{name}` is a JSON {Describe(value.ValueKind)}; it must be {expected}.");

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Undefined => "nothing",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public void Dispose() => _document?.Dispose();
}
