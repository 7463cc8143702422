using System.Text;
using System.Text.Json;
using Bert.Gpu.Cli.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bert.Gpu.Cli.Serve;

/// <summary>TEI's routes and JSON shapes: /embed (and /), /embed_all, /predict, /rerank, /similarity, /tokenize, /decode.</summary>
internal static class TeiRoutes
{
    public static void Map(WebApplication app, ServeApi api)
    {
        Post(app, api, "/", Embed);
        Post(app, api, "/embed", Embed);
        Post(app, api, "/embed_all", EmbedAll);
        Post(app, api, "/predict", Predict);
        Post(app, api, "/rerank", Rerank);
        Post(app, api, "/similarity", Similarity);
        Post(app, api, "/tokenize", Tokenize);
        Post(app, api, "/decode", Decode);
    }

    private static void Post(WebApplication app, ServeApi api, string path, Func<ServeApi, JsonRequest, HttpContext, Task<Reply>> route) =>
        app.MapPost(path, context => api.RunAsync(context, openAi: false, route));

    /// <summary>Parses <c>inputs</c>, counts the request and takes its permits.</summary>
    private static (IReadOnlyList<ModelInput> Inputs, string Method) Admit(ServeApi api, HttpContext context, (IReadOnlyList<ModelInput> Inputs, bool Batch) parsed)
    {
        var method = parsed.Batch ? "batch" : "single";
        api.Metrics.Request(method);
        api.Admit(parsed.Inputs.Count, context);
        return (parsed.Inputs, method);
    }

    private static async Task<Reply> Embed(ServeApi api, JsonRequest request, HttpContext context)
    {
        var (inputs, method) = Admit(api, context, ModelInput.Parse(request.Required("inputs", "\"a text\""), "inputs"));
        var (truncate, left) = api.Truncation(request);
        NoPrompts(request);
        var (rows, width, timings) = await api.Engine.EmbedAsync(inputs, truncate, left, request.Bool("normalize") ?? true, request.Int("dimensions"), context.RequestAborted);
        return new Reply(method, timings, w => WriteRows(w, rows, width));
    }

    /// <summary>No model here has named prompts (sentence-transformers' <c>prompts</c>); a request naming one is told so.</summary>
    private static void NoPrompts(JsonRequest request)
    {
        if (request.String("prompt_name") is { } name)
            throw ApiError.BadRequest($"`prompt_name` is '{name}', but this model defines no prompts; prepend the prompt to the text instead.");
    }

    private static void WriteRows(Utf8JsonWriter w, ReadOnlySpan<float> rows, int width)
    {
        w.WriteStartArray();
        for (var i = 0; i < rows.Length; i += width)
            ServeApi.WriteRow(w, rows.Slice(i, width));
        w.WriteEndArray();
    }

    private static async Task<Reply> EmbedAll(ServeApi api, JsonRequest request, HttpContext context)
    {
        var (inputs, method) = Admit(api, context, ModelInput.Parse(request.Required("inputs", "\"a text\""), "inputs"));
        var (truncate, left) = api.Truncation(request);
        NoPrompts(request);
        var engine = api.Engine;
        var (sequences, tokenization) = await engine.TokenizeAsync(inputs, truncate, left, context.RequestAborted);
        var (hidden, queue, inference) = await engine.LastHiddenStateAsync(sequences, context.RequestAborted);
        var timings = new RequestTimings(tokenization, queue, inference, sequences.Sum(s => (long)s.Ids.Length), inputs.Sum(x => x.Characters));
        return new Reply(method, timings, w =>
        {
            w.WriteStartArray();
            var offset = 0;
            foreach (var sequence in sequences)
            {
                var length = sequence.Ids.Length * engine.Dimension;
                WriteRows(w, hidden.AsSpan(offset, length), engine.Dimension);
                offset += length;
            }
            w.WriteEndArray();
        });
    }

    /// <summary>The classifier's logits of <paramref name="inputs"/> as scores (or raw), with the request's timings.</summary>
    private static async Task<(float[][] Scores, RequestTimings Timings)> Classify(ServeApi api, JsonRequest request, HttpContext context, IReadOnlyList<ModelInput> inputs)
    {
        var (truncate, left) = api.Truncation(request);
        var raw = request.Bool("raw_scores") ?? false;
        var engine = api.Engine;
        if (engine.Classifier is null)
            await engine.PredictAsync([], context.RequestAborted); // the route's error, before any tokenizing
        var (sequences, tokenization) = await engine.TokenizeAsync(inputs, truncate, left, context.RequestAborted);
        var (logits, queue, inference) = await engine.PredictAsync(sequences, context.RequestAborted);
        var head = engine.Classifier!;
        var scores = Enumerable.Range(0, sequences.Length).Select(i =>
        {
            var row = logits.AsSpan(i * head.Width, head.Width);
            return raw ? row.ToArray() : head.Score(row);
        }).ToArray();
        return (scores, new RequestTimings(tokenization, queue, inference, sequences.Sum(s => (long)s.Ids.Length), inputs.Sum(x => x.Characters)));
    }

    private static async Task<Reply> Predict(ServeApi api, JsonRequest request, HttpContext context)
    {
        var parsed = ModelInput.ParsePredict(request.Required("inputs", "\"a text\""), "inputs");
        var (inputs, method) = Admit(api, context, parsed);
        var (scores, timings) = await Classify(api, request, context, inputs);
        var labels = api.Engine.Classifier!.Labels;
        return new Reply(method, timings, w =>
        {
            if (parsed.Batch)
                w.WriteStartArray();
            foreach (var row in scores)
            {
                w.WriteStartArray();
                foreach (var i in Enumerable.Range(0, row.Length).OrderByDescending(i => row[i]))
                {
                    w.WriteStartObject();
                    w.WriteNumber("score", row[i]);
                    w.WriteString("label", ClassifyCommand.LabelOf(labels, i));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (parsed.Batch)
                w.WriteEndArray();
        });
    }

    private static async Task<Reply> Rerank(ServeApi api, JsonRequest request, HttpContext context)
    {
        var query = request.String("query") ?? throw ApiError.BadRequest("Missing field `query`; send e.g. {\"query\": \"a question\", \"texts\": [\"a passage\"]}.");
        var texts = ModelInput.Strings(request.Required("texts", "[\"a passage\"]"), "texts");
        var (inputs, method) = Admit(api, context, (texts.Select(t => new ModelInput(query, t)).ToList(), true));
        var (scores, timings) = await Classify(api, request, context, inputs);
        var returnText = request.Bool("return_text") ?? false;
        return new Reply(method, timings, w =>
        {
            w.WriteStartArray();
            // One logit: its sigmoid; several: the last label's probability (the CLI's rerank rule).
            foreach (var i in Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i][^1]).ThenBy(i => i))
            {
                w.WriteStartObject();
                w.WriteNumber("index", i);
                if (returnText)
                    w.WriteString("text", texts[i]);
                w.WriteNumber("score", scores[i][^1]);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private static async Task<Reply> Similarity(ServeApi api, JsonRequest request, HttpContext context)
    {
        var body = request.Object("inputs") ?? throw ApiError.BadRequest("Missing field `inputs`; send {\"inputs\": {\"source_sentence\": \"…\", \"sentences\": [\"…\"]}}.");
        var source = body.String("source_sentence") ?? throw ApiError.BadRequest("Missing field `inputs.source_sentence`.");
        var sentences = ModelInput.Strings(body.Required("sentences", "[\"a text\"]"), "inputs.sentences");
        var (inputs, method) = Admit(api, context, ([new ModelInput(source), .. sentences.Select(s => new ModelInput(s))], true));
        var (truncate, left) = request.Object("parameters") is { } parameters ? api.Truncation(parameters) : (api.Settings.AutoTruncate, false);
        var (rows, width, timings) = await api.Engine.EmbedAsync(inputs, truncate, left, normalize: false, null, context.RequestAborted);
        return new Reply(method, timings, w =>
        {
            w.WriteStartArray();
            for (var i = 1; i < inputs.Count; i++)
                w.WriteNumberValue(EmbeddingRows.Cosine(rows.AsSpan(0, width), rows.AsSpan(i * width, width)));
            w.WriteEndArray();
        });
    }

    private static async Task<Reply> Tokenize(ServeApi api, JsonRequest request, HttpContext context)
    {
        var (inputs, method) = Admit(api, context, ModelInput.Parse(request.Required("inputs", "\"a text\""), "inputs"));
        if (inputs.Any(i => i.Text is null))
            throw ApiError.BadRequest("`inputs` of /tokenize are texts; token ids need no tokenizing.");
        var specials = request.Bool("add_special_tokens") ?? true;
        var engine = api.Engine;
        var (sequences, tokenization) = await engine.TokenizeAsync(inputs, truncate: false, left: false, context.RequestAborted, untruncated: true);
        var tokenizer = engine.Model.Tokenizer;
        var trailing = tokenizer.SpecialTokenCount(pair: false) - 1;
        var timings = new RequestTimings(tokenization, TimeSpan.Zero, TimeSpan.Zero, sequences.Sum(s => (long)s.Ids.Length), inputs.Sum(x => x.Characters));
        return new Reply(method, timings, w =>
        {
            w.WriteStartArray();
            for (var s = 0; s < sequences.Length; s++)
            {
                var (ids, offsets, text) = (sequences[s].Ids, sequences[s].Offsets, inputs[s].Text!);
                var bytes = new Utf8Offsets(text);
                w.WriteStartArray();
                for (var t = 0; t < ids.Length; t++)
                {
                    var special = t == 0 || t >= ids.Length - trailing;
                    if (special && !specials)
                        continue;
                    // TEI's offsets are UTF-8 byte offsets into the input (Rust's strings), not UTF-16 ones.
                    var span = special || offsets is null ? default : offsets[t];
                    var start = special ? 0 : bytes.At(span.Start);
                    w.WriteStartObject();
                    w.WriteNumber("id", ids[t]);
                    w.WriteString("text", special ? tokenizer.IdToToken(ids[t]) : text.Substring(span.Start, span.Length));
                    w.WriteBoolean("special", special);
                    if (special)
                    {
                        w.WriteNull("start");
                        w.WriteNull("stop");
                    }
                    else
                    {
                        w.WriteNumber("start", start);
                        w.WriteNumber("stop", start + Encoding.UTF8.GetByteCount(text.AsSpan(span.Start, span.Length)));
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndArray();
        });
    }

    /// <summary>
    /// UTF-8 byte offsets of UTF-16 positions in one text, counted on from the last position asked (tokens come in
    /// order), so a text's offsets cost one pass over it instead of one pass per token; a position before the last
    /// counts from the start again. Each offset equals <c>Encoding.UTF8.GetByteCount(text.AsSpan(0, position))</c>,
    /// a position inside a surrogate pair included (the lone high surrogate before it counts as U+FFFD's 3 bytes).
    /// </summary>
    internal struct Utf8Offsets(string text)
    {
        private int _char; // never inside a surrogate pair, so counts on from it add up
        private int _byte;

        /// <summary>The UTF-8 length of <c>text[..position]</c>.</summary>
        public int At(int position)
        {
            if (position < _char)
                (_char, _byte) = (0, 0);
            var whole = position > 0 && position < text.Length && char.IsHighSurrogate(text[position - 1]) && char.IsLowSurrogate(text[position])
                ? position - 1
                : position;
            _byte += Encoding.UTF8.GetByteCount(text.AsSpan(_char, whole - _char));
            _char = whole;
            return whole == position ? _byte : _byte + Encoding.UTF8.GetByteCount(text.AsSpan(whole, position - whole));
        }
    }

    private static Task<Reply> Decode(ServeApi api, JsonRequest request, HttpContext context)
    {
        var value = request.Required("ids", "[101, 7592, 102]");
        var batch = value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 && value[0].ValueKind == JsonValueKind.Array;
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 0)
            throw ApiError.Empty("`ids` cannot be empty");
        var lists = batch ? value.EnumerateArray().Select((item, i) => ModelInput.ParseIds(item, $"ids[{i}]")).ToList() : [ModelInput.ParseIds(value, "ids")];
        var (_, method) = Admit(api, context, (lists.Select(ids => new ModelInput(null, Ids: ids)).ToList(), batch));
        var skip = request.Bool("skip_special_tokens") ?? true;
        var decoder = new TokenDecoder(api.Engine.Model.Tokenizer);
        var texts = lists.Select((ids, i) => decoder.Decode(ids, skip, i)).ToList();
        var timings = new RequestTimings(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, lists.Sum(l => (long)l.Length), 0);
        return Task.FromResult(new Reply(method, timings, w =>
        {
            w.WriteStartArray();
            foreach (var text in texts)
                w.WriteStringValue(text);
            w.WriteEndArray();
        }));
    }
}
