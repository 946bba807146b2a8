namespace Glimpse.Core.Evaluation;

/// <summary>The paths of the files <see cref="EvalOutputs.Write"/> wrote.</summary>
public sealed record EvalFiles(string Csv, string SummaryJson, string Html);

/// <summary>Writes an evaluation's eval.csv (<see cref="EvalCsv"/>), summary.json (<see cref="EvalSummaryJson"/>) and eval.html (<see cref="EvalHtmlReport"/>).</summary>
public static class EvalOutputs
{
    public static EvalFiles Write(string outDir, EvalRun run)
    {
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        ArgumentNullException.ThrowIfNull(run);
        // Everything is rendered before anything is written, so a failure leaves no half-written folder.
        var summary = EvalSummary.From(run);
        string csv = EvalCsv.Write(run);
        string json = EvalSummaryJson.Serialize(run, summary);
        string html = EvalHtmlReport.Render(run, summary);

        Directory.CreateDirectory(outDir);
        var files = new EvalFiles(Path.Combine(outDir, "eval.csv"), Path.Combine(outDir, "summary.json"), Path.Combine(outDir, "eval.html"));
        File.WriteAllText(files.Csv, csv);
        File.WriteAllText(files.SummaryJson, json);
        File.WriteAllText(files.Html, html);
        return files;
    }
}
