using System.Globalization;
using System.Text;

namespace Glimpse.Core.Evaluation;

/// <summary>
/// eval.csv: one row per item × method (RFC 4180, comma-separated, a header row, UTF-8). Columns: item_id, method,
/// question, expected_answer, answer, correct (true/false, empty without an expected answer), answer_tokens,
/// reference_kind, every metric of <see cref="EvalMetrics.All"/>, the item's random control areas, the curves (step
/// scores separated by spaces, from 0 to all cells), the seconds spent, and one <c>tag:NAME</c> column per tag any
/// item carries. A missing value is an empty field; numbers are invariant-culture, round-trip precision.
/// </summary>
public static class EvalCsv
{
    public static string Write(EvalRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var tagNames = run.Records.SelectMany(r => r.Tags.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var metrics = EvalMetrics.All.Concat(EvalMetrics.RandomControl).ToList();
        var header = new List<string> { "item_id", "method", "question", "expected_answer", "answer", "correct", "answer_tokens", "reference_kind" };
        header.AddRange(metrics.Select(m => m.Name));
        header.AddRange(["deletion_curve", "insertion_curve", "random_deletion_curve", "random_insertion_curve", "explain_seconds", "faithfulness_seconds"]);
        header.AddRange(tagNames.Select(t => $"tag:{t}"));

        var csv = new StringBuilder();
        AppendRow(csv, header);
        foreach (var r in run.Records)
        {
            var row = new List<string>
            {
                r.ItemId, r.Method, r.Question, r.ExpectedAnswer ?? "", r.Answer,
                r.Correct switch { true => "true", false => "false", null => "" },
                r.AnswerTokens.ToString(CultureInfo.InvariantCulture),
                r.ReferenceKind switch { ReferenceKind.Mask => "mask", ReferenceKind.Map => "map", _ => "" },
            };
            row.AddRange(metrics.Select(m => Number(m.Read(r))));
            row.AddRange([Curve(r.Faithfulness?.Deletion), Curve(r.Faithfulness?.Insertion), Curve(r.RandomControl?.Deletion), Curve(r.RandomControl?.Insertion),
                Number(r.ExplainSeconds), Number(r.FaithfulnessSeconds)]);
            row.AddRange(tagNames.Select(t => r.Tags.TryGetValue(t, out var v) ? v : ""));
            AppendRow(csv, row);
        }
        return csv.ToString();
    }

    private static string Number(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "";

    private static string Curve(PerturbationCurve? curve) => curve is null ? "" : string.Join(' ', curve.Scores.Select(Number));

    private static void AppendRow(StringBuilder csv, IEnumerable<string> fields)
    {
        csv.AppendJoin(',', fields.Select(Quote));
        csv.Append("\r\n");
    }

    /// <summary>A field in double quotes (quotes doubled) when it holds a comma, a quote or a line break.</summary>
    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{field.Replace("\"", "\"\"")}\"" : field;
}
