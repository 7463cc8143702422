using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bert.Gpu.Cli.Serve;

/// <summary>
/// OpenAI's embeddings route, <c>POST /v1/embeddings</c> (and <c>/embeddings</c>): <c>input</c> a string, strings or
/// token ids; <c>encoding_format</c> float or base64 (the row's little-endian float32 bytes — both official SDKs ask for
/// it by default); <c>dimensions</c> cuts each row, which is then renormalized; <c>usage</c> counts the tokens.
/// </summary>
internal static class OpenAiRoutes
{
    public static void Map(WebApplication app, ServeApi api)
    {
        foreach (var path in (string[])["/v1/embeddings", "/embeddings"])
            app.MapPost(path, context => api.RunAsync(context, openAi: true, Embeddings));
    }

    private static async Task<Reply> Embeddings(ServeApi api, JsonRequest request, HttpContext context)
    {
        var (inputs, batch) = ModelInput.Parse(request.Required("input", "\"a text\""), "input");
        var method = batch ? "batch" : "single";
        api.Metrics.Request(method);
        api.Admit(inputs.Count, context);
        var base64 = request.Choice("encoding_format", "float", "base64") == "base64";
        var model = request.String("model") ?? api.Engine.Model.Name; // any name: one model is served
        var (rows, width, timings) = await api.Engine.EmbedAsync(inputs, api.Settings.AutoTruncate, left: false, normalize: true,
            request.Int("dimensions"), context.RequestAborted);
        return new Reply(method, timings, w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            for (var i = 0; i < inputs.Count; i++)
            {
                var row = rows.AsSpan(i * width, width);
                w.WriteStartObject();
                w.WriteString("object", "embedding");
                w.WritePropertyName("embedding");
                if (base64)
                    w.WriteBase64StringValue(MemoryMarshal.AsBytes(row)); // x86 and ARM are little-endian, as the SDKs read it
                else
                    ServeApi.WriteRow(w, row);
                w.WriteNumber("index", i);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("model", model);
            w.WriteStartObject("usage");
            w.WriteNumber("prompt_tokens", timings.Tokens);
            w.WriteNumber("total_tokens", timings.Tokens);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }
}
