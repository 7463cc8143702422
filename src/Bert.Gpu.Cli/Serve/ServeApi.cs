using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Bert.Gpu.Cli.Serve;

/// <summary>What a route answers: TEI's method label (single / batch), the request's timings, and the JSON body.</summary>
internal sealed record Reply(string Method, RequestTimings Timings, Action<Utf8JsonWriter> Body);

/// <summary>
/// The pipeline every POST route runs through: permits, body parsing, the route, TEI's timing headers, metrics, and
/// errors in the route family's shape. A client that goes away cancels its request, whose queued sequences are then
/// dropped by the scheduler.
/// </summary>
internal sealed class ServeApi(ServeEngine engine, ServeSettings settings, ServeMetrics metrics, InputPermits permits)
{
    public ServeEngine Engine => engine;

    public ServeSettings Settings => settings;

    public ServeMetrics Metrics => metrics;

    /// <summary>Takes one permit per input for the request's duration (429 when they are not there).</summary>
    public void Admit(int inputs, HttpContext context)
    {
        if (inputs > settings.MaxClientBatchSize)
            throw ApiError.Validation($"batch size {inputs} > maximum allowed batch size {settings.MaxClientBatchSize}; split the request, or start the server with a larger --max-client-batch-size.", "batch_size");
        context.Response.RegisterForDispose(permits.Acquire(inputs)); // released once the answer is sent
    }

    /// <summary>Runs <paramref name="route"/> for a request of the TEI family (<paramref name="openAi"/> false) or OpenAI's.</summary>
    public async Task RunAsync(HttpContext context, bool openAi, Func<ServeApi, JsonRequest, HttpContext, Task<Reply>> route)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var request = await JsonRequest.ReadAsync(context, settings.PayloadLimit);
            var reply = await route(this, request, context);
            var total = Stopwatch.GetElapsedTime(start);
            WriteTimings(context.Response.Headers, reply.Timings, total);
            await WriteJsonAsync(context, StatusCodes.Status200OK, reply.Body);
            metrics.Success(reply.Method);
            metrics.Served(reply.Timings, total);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            metrics.Failure("cancelled"); // the client left; nobody reads an answer
        }
        catch (ApiError error)
        {
            metrics.Failure(error.Reason);
            await WriteErrorAsync(context, error, openAi);
        }
    }

    /// <summary>TEI's headers: milliseconds of each phase, the characters and tokens computed.</summary>
    private static void WriteTimings(IHeaderDictionary headers, RequestTimings t, TimeSpan total)
    {
        static string Ms(TimeSpan span) => ((long)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        headers["x-compute-type"] = "bert-gpu";
        headers["x-compute-time"] = Ms(total);
        headers["x-total-time"] = Ms(total);
        headers["x-tokenization-time"] = Ms(t.Tokenization);
        headers["x-queue-time"] = Ms(t.Queue);
        headers["x-inference-time"] = Ms(t.Inference);
        headers["x-compute-characters"] = t.Characters.ToString(CultureInfo.InvariantCulture);
        headers["x-compute-tokens"] = t.Tokens.ToString(CultureInfo.InvariantCulture);
    }

    // Texts go back as they came (é, ', +), not as \u escapes; the body is JSON, never HTML.
    private static readonly JsonWriterOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter, Readable);
        body(writer);
        await writer.FlushAsync();
    }

    /// <summary>TEI's <c>{"error", "error_type"}</c>, or on the OpenAI routes <c>{"error": {"message", "type", "code"}}</c>.</summary>
    public static Task WriteErrorAsync(HttpContext context, ApiError error, bool openAi) =>
        context.Response.HasStarted ? Task.CompletedTask : WriteJsonAsync(context, error.Status, w =>
        {
            w.WriteStartObject();
            if (openAi)
            {
                w.WriteStartObject("error");
                w.WriteString("message", error.Message);
                w.WriteString("type", error.Type);
                w.WriteNumber("code", error.Status);
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("error", error.Message);
                w.WriteString("error_type", error.Type);
            }
            w.WriteEndObject();
        });

    /// <summary>A request's truncation: <c>truncate</c> (default <c>--auto-truncate</c>) and <c>truncation_direction</c>.</summary>
    public (bool Truncate, bool Left) Truncation(JsonRequest request)
    {
        var truncate = request.Bool("truncate") ?? settings.AutoTruncate;
        var direction = request.Choice("truncation_direction", "right", "left", "Right", "Left");
        return (truncate, direction is "left" or "Left");
    }

    public static void WriteRow(Utf8JsonWriter w, ReadOnlySpan<float> row)
    {
        w.WriteStartArray();
        foreach (var v in row)
            w.WriteNumberValue(v);
        w.WriteEndArray();
    }
}
