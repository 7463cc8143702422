using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bert.Gpu.Cli.Serve;

/// <summary>GET routes: /health, /info (TEI's fields), /metrics (Prometheus), /docs (the OpenAPI document).</summary>
internal static class InfoRoutes
{
    public static string Version { get; } = typeof(InfoRoutes).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static void Map(WebApplication app, ServeApi api)
    {
        // Healthy once the model is loaded: the server listens only after that.
        app.MapGet("/health", () => Results.Ok());
        app.MapGet("/info", context => ServeApi.WriteJsonAsync(context, StatusCodes.Status200OK, w => Info(w, api)));
        app.MapGet("/metrics", () => Results.Text(api.Metrics.Render(), "text/plain; version=0.0.4"));
        foreach (var path in (string[])["/docs", "/openapi.json"])
            app.MapGet(path, context => ServeApi.WriteJsonAsync(context, StatusCodes.Status200OK, OpenApiDocument.Write));
    }

    private static void Info(Utf8JsonWriter w, ServeApi api)
    {
        var (engine, settings) = (api.Engine, api.Settings);
        w.WriteStartObject();
        w.WriteString("model_id", settings.Model);
        w.WriteString("model_sha", engine.Model.ContentHash);
        w.WriteString("model_dtype", engine.Precision == "fp16" ? "float16" : "float32");
        w.WriteStartObject("model_type");
        if (engine.Classifier is { } head)
        {
            w.WriteStartObject("classifier");
            w.WriteStartObject("id2label");
            for (var i = 0; i < head.Width; i++)
                w.WriteString(i.ToString(System.Globalization.CultureInfo.InvariantCulture), Commands.ClassifyCommand.LabelOf(head.Labels, i));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        else
        {
            w.WriteStartObject("embedding");
            w.WriteString("pooling", engine.Pooling.ToString().ToLowerInvariant());
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteNumber("embedding_dimension", engine.Dimension);
        w.WriteNumber("max_concurrent_requests", settings.MaxConcurrentRequests);
        w.WriteNumber("max_input_length", engine.Tokenizer.MaxLength);
        w.WriteNumber("max_batch_tokens", engine.MaxBatchTokens);
        w.WriteNumber("max_batch_requests", settings.MaxBatchRequests);
        w.WriteNumber("max_client_batch_size", settings.MaxClientBatchSize);
        w.WriteNumber("payload_limit", settings.PayloadLimit);
        w.WriteBoolean("auto_truncate", settings.AutoTruncate);
        w.WriteNumber("tokenization_workers", Environment.ProcessorCount);
        w.WriteString("device", engine.DeviceName);
        w.WriteString("version", Version);
        w.WriteEndObject();
    }
}
