using System.CommandLine;
using Bert.Gpu.Cli.Tasks;
using Bert.Gpu.Heads;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// <c>rerank</c>: a cross-encoder's relevance score for (query, text) pairs — one query for every text of a file
/// (<c>--query</c>), or JSON Lines records with a query and a text each. One line per text, <c>{"index", "score"}</c>:
/// the text's 0-based position in the input, and the sigmoid of a one-logit head or the probability of
/// <c>--label</c> (default: the last label) under the head's scores; <c>--sort</c> orders each run of consecutive
/// records with the same query by score, high to low.
/// </summary>
internal static class RerankCommand
{
    private sealed record Options(string? Query, string? QueryField, string? TextField, string? TextColumn, Input.InputFormat Format,
        string? Label, bool Raw, bool Sort);

    public static Command Create()
    {
        var common = new TaskOptions();
        var input = CommonOptions.Input();
        input.Description = "Texts to score against --query (lines, .jsonl with --text-field, .csv with --text-column), or without --query JSON Lines with a query and a text per record; - reads standard input.";
        var query = new Option<string?>("--query", "-q") { Description = "The query every text is scored against." };
        var queryField = new Option<string?>("--query-field") { Description = "Without --query: the JSON field holding each record's query (default: query)." };
        var textField = new Option<string?>("--text-field") { Description = "The JSON field holding the text (default without --query: text)." };
        var textColumn = CommonOptions.TextColumn();
        var inputFormat = CommonOptions.InputFormat();
        var label = new Option<string?>("--label") { Description = "For a head with 2+ labels: the label whose probability is the score (default: the last one)." };
        var rawScores = new Option<bool>("--raw-scores") { Description = "Write the logit (of --label) instead of the score." };
        var sort = new Option<bool>("--sort") { Description = "Order the lines of each query by score, high to low (consecutive records with the same query are one query)." };
        var command = new Command("rerank", "Score (query, text) pairs with a cross-encoder (a …ForSequenceClassification checkpoint).")
        {
            input, query, queryField, textField, textColumn, inputFormat, label, rawScores, sort,
        };
        common.AddTo(command);
        command.SetAction(result => Run(common.Read(result), result.GetRequiredValue(input), new Options(result.GetValue(query),
            result.GetValue(queryField), result.GetValue(textField), result.GetValue(textColumn), result.GetValue(inputFormat),
            result.GetValue(label), result.GetValue(rawScores), result.GetValue(sort))));
        return command;
    }

    private static int Run(TaskSettings s, string inputPath, Options o)
    {
        if (o.Sort && s.Resume)
            throw new CliException("--resume: not with --sort (sorted lines are written only when a query's records are all read, so no partial output is kept); drop one of the two.");
        using var source = Open(inputPath, o);
        using var runner = s.Prepare("rerank", source, HeadKind.SequenceClassification, pairs: true);
        using var output = s.Open("rerank", runner, source, $"label={o.Label} raw={o.Raw} query={o.Query is not null}");
        var head = runner.Head;
        var column = Column(head, o.Label, s.Model);
        var index = output.Records;
        var group = new List<(long Index, float Score)>();
        string? groupQuery = null;

        void Write(long i, float score) => output.Line(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("index", i);
            w.WriteNumber("score", score);
            w.WriteEndObject();
        });

        void FlushGroup()
        {
            foreach (var (i, score) in group.OrderByDescending(g => g.Score).ThenBy(g => g.Index))
                Write(i, score);
            group.Clear();
        }

        var stopped = TaskJob.Run(source, output, runner.DeviceName, chunk =>
        {
            var sequences = chunk.Select(r => runner.Tokenizer.Encode(r.Text, r.Pair!, runner.MaxLength)).ToList();
            var (logits, batch) = runner.Predict(sequences);
            for (var i = 0; i < chunk.Count; i++, index++)
            {
                var row = logits.AsSpan(i * head.Width, head.Width);
                var score = o.Raw ? row[column] : head.Score(row)[column];
                if (!o.Sort)
                {
                    Write(index, score);
                    continue;
                }
                if (groupQuery is not null && groupQuery != chunk[i].Text)
                    FlushGroup();
                groupQuery = chunk[i].Text;
                group.Add((index, score));
            }
            return batch.TotalTokens;
        }, checkpoints: !o.Sort);
        if (stopped is { } code)
            return code;
        FlushGroup();
        output.Commit();
        return 0;
    }

    private static TaskSource Open(string path, Options o)
    {
        if (o.Query is { } query)
        {
            if (o.QueryField is not null)
                throw new CliException("--query-field: only without --query (each JSON record then holds its own query); drop one of the two.");
            return TaskSource.Texts(path, o.Format, o.TextField, o.TextColumn, pairWith: query);
        }
        if (o.TextColumn is not null || o.Format is Input.InputFormat.Csv or Input.InputFormat.Lines)
            throw new CliException($"{TaskSource.NameOf(path)}: without --query the input is JSON Lines records with a query and a text (--query-field, --text-field); give --query to score the texts of a {(o.TextColumn is null ? "plain text" : "CSV")} file.");
        return TaskSource.Pairs(path, (o.QueryField ?? "query", "--query-field"), (o.TextField ?? "text", "--text-field"));
    }

    /// <summary>The logit that makes the score: the only one, or <paramref name="label"/>'s (default: the last).</summary>
    private static int Column(TaskHead head, string? label, string model)
    {
        if (label is null)
            return head.Width - 1;
        for (var i = 0; i < head.Width; i++)
            if (ClassifyCommand.LabelOf(head.Labels, i) == label)
                return i;
        var names = string.Join(", ", Enumerable.Range(0, head.Width).Select(i => ClassifyCommand.LabelOf(head.Labels, i)));
        throw new CliException($"--label {label}: model '{model}' has no such label; its labels are {names}.");
    }
}
