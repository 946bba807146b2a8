using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Glimpse.Core.Evaluation;
using Glimpse.Explain.Evaluation;
using Glimpse.Explain.Tests.Report;
using Glimpse.Model;
using Glimpse.Model.Tests;

namespace Glimpse.Explain.Tests.Evaluation;

/// <summary>The whole evaluation on a small folder and a tiny reference model: the three files, their content, the page in a browser.</summary>
public class EvalEndToEndTests
{
    private static (EvalRun Run, EvalFiles Files, List<EvalProgress> Progress) Evaluate(string set, string name, IReadOnlyList<string> methods,
        FaithfulnessOptions? faithfulness)
    {
        string data = EvalFolders.Write($"e2e-{name}", 2);
        using var reference = set switch
        {
            "llava" => ReferenceSet.Llava(), "qwen2vl" => ReferenceSet.Qwen2VL(), "qwen3vl" => ReferenceSet.Qwen3VL(),
            "idefics3" => ReferenceSet.Idefics3(), _ => ReferenceSet.Qwen25VL(),
        };
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        var progress = new List<EvalProgress>();
        var run = EvalRunner.Run(runtime, EvalSources.Open(data), new EvalOptions { Methods = methods, MaxNewTokens = 3, Faithfulness = faithfulness },
            new Collect(progress));
        string outDir = Path.Combine(AppContext.BaseDirectory, "eval-output", name);
        if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        return (run, EvalOutputs.Write(outDir, run), progress);
    }

    [Fact]
    public void LlavaWithThreeMethodsWritesTheThreeFiles()
    {
        string[] methods = ["glimpse", "rollout", "tam"];
        var (run, files, progress) = Evaluate("llava", "llava", methods, new FaithfulnessOptions());

        Assert.Equal(6, run.Records.Count);
        Assert.Equal(6, progress[^1].Done);
        Assert.Equal(6, progress[^1].Total);
        Assert.All(run.Records, r =>
        {
            Assert.NotNull(r.Alignment);
            Assert.Equal(11, r.Faithfulness!.Deletion.Scores.Length);
            Assert.Equal(11, r.RandomControl!.Insertion.Scores.Length);
        });
        // The answer and the control belong to the item: the same for every method.
        foreach (var item in run.Records.GroupBy(r => r.ItemId))
        {
            Assert.Single(item.Select(r => r.Answer).Distinct());
            Assert.Single(item.Select(r => r.RandomControl!.Deletion.Area).Distinct());
            Assert.Single(item.Select(r => r.Faithfulness!.Deletion.Scores[0]).Distinct());
        }
        Assert.All(run.Records.Where(r => r.ItemId == "item-0"), r => Assert.NotNull(r.Correct));
        Assert.All(run.Records.Where(r => r.ItemId == "item-1"), r => Assert.Null(r.Correct));

        // eval.csv: a header and one row per item × method, every row as wide as the header.
        var rows = ParseCsv(File.ReadAllText(files.Csv));
        Assert.Equal(1 + 6, rows.Count);
        var header = rows[0];
        Assert.All(rows, r => Assert.Equal(header.Count, r.Count));
        Assert.Equal(["item_id", "method", "question"], header.Take(3));
        Assert.Contains("pointing_game", header);
        Assert.Contains("tag:type", header);
        var pairs = rows.Skip(1).Select(r => (r[0], r[1])).ToList();
        Assert.Equal(["item-0", "item-1"], pairs.Select(p => p.Item1).Distinct());
        Assert.All(pairs.GroupBy(p => p.Item1), g => Assert.Equal(methods, g.Select(p => p.Item2)));
        // The question with a comma and quotes survives the quoting.
        Assert.Equal("where is the square, \"left\" or right?", rows[4][header.IndexOf("question")]);
        Assert.Equal(11, rows[1][header.IndexOf("deletion_curve")].Split(' ').Length);
        Assert.Equal("", rows[4][header.IndexOf("correct")]);

        // summary.json
        var summary = JsonNode.Parse(File.ReadAllText(files.SummaryJson))!;
        Assert.Equal(EvalSummaryJson.SchemaVersion, summary["schema_version"]!.GetValue<string>());
        Assert.Equal(2, summary["items"]!.GetValue<int>());
        var byMethod = summary["methods_summary"]!.AsObject();
        Assert.Equal(methods, byMethod.Select(p => p.Key));
        var pointing = byMethod["glimpse"]!["metrics"]!["pointing_game"]!;
        Assert.Equal(2, pointing["count"]!.GetValue<int>());
        Assert.InRange(pointing["mean"]!.GetValue<double>(), pointing["ci_low"]!.GetValue<double>(), pointing["ci_high"]!.GetValue<double>());
        Assert.True(byMethod["glimpse"]!["metrics"]!["deletion_auc"]!["higher_is_better"]!.GetValue<bool>() is false);
        Assert.Equal(11, byMethod["tam"]!["deletion_curve"]!["mean_scores"]!.AsArray().Count);
        Assert.Equal(1, summary["accuracy"]!["count"]!.GetValue<int>());
        Assert.NotNull(summary["random_control"]!["metrics"]!["random_deletion_auc"]!["mean"]);
        Assert.Equal(["rollout", "tam"], summary["paired_with_first"]!.AsObject().Select(p => p.Key));

        // eval.html in a real browser: it loads without errors and holds its parts.
        var (dom, log) = HeadlessChromium.DumpDom(files.Html);
        Assert.False(log.Contains("Uncaught", StringComparison.Ordinal), log);
        Assert.Matches("<body[^>]* data-items=\"2\"", dom);
        Assert.Contains("id=\"results-table\"", dom);
        // results: 3 methods + random; paired: 2 others; cost and agreement: all 3
        Assert.Equal(3 + 1 + 2 + 3, Regex.Matches(dom, "<tr data-method=\"").Count);
        Assert.Contains("id=\"agreement-table\"", dom);
        Assert.Equal(2, Regex.Matches(dom, "<tr data-tag=\"type=").Count / 4);              // by tag: color and position, 4 metrics
        Assert.Contains("id=\"deletion-curve\"", dom);
        Assert.Contains("id=\"insertion-curve\"", dom);
        Assert.Equal(2 * (3 + 1), Regex.Matches(dom, "<g class=\"series\"").Count);    // two charts, each 3 methods + random
        Assert.Equal(10, Regex.Matches(dom, "<figure data-metric=\"").Count);
        Assert.Contains("id=\"paired-table\"", dom);
        // Examples: each item with its image, reference and one overlay per method, all inline.
        Assert.Equal(2, Regex.Matches(dom, "<tr class=\"example\"").Count);
        Assert.Equal(2 * (2 + methods.Length), Regex.Matches(dom, "<img alt=\"[^\"]*\" src=\"data:image/jpeg;base64,").Count);
        Assert.DoesNotContain("http://", dom.Replace("http://www.w3.org/2000/svg", ""));
        Assert.Contains("where is the square, \"left\" or right?", System.Net.WebUtility.HtmlDecode(dom));
    }

    [Fact]
    public void Qwen2VLRunsToo()
    {
        var (run, files, _) = Evaluate("qwen2vl", "qwen2vl", ["glimpse-fast", "raw-attention"], new FaithfulnessOptions { Steps = 3 });
        Assert.Equal(4, run.Records.Count);
        Assert.All(run.Records, r => Assert.Equal(4, r.Faithfulness!.Insertion.Scores.Length));
        Assert.Equal(5, ParseCsv(File.ReadAllText(files.Csv)).Count);
        var (_, log) = HeadlessChromium.DumpDom(files.Html);
        Assert.False(log.Contains("Uncaught", StringComparison.Ordinal), log);
    }

    [Fact]
    public void Qwen25VLRunsToo()
    {
        var (run, files, _) = Evaluate("qwen25vl", "qwen25vl", ["glimpse", "chefer"], new FaithfulnessOptions { Steps = 3 });
        Assert.Equal(4, run.Records.Count);
        Assert.All(run.Records, r => Assert.Equal(4, r.Faithfulness!.Deletion.Scores.Length));
        Assert.Equal(5, ParseCsv(File.ReadAllText(files.Csv)).Count);
        Assert.True(File.Exists(files.Html));
    }

    [Fact]
    public void Qwen3VLRunsToo()
    {
        // Faithfulness scores perturbed images in one batch: each row gets its own image's DeepStack additions.
        var (run, files, _) = Evaluate("qwen3vl", "qwen3vl", ["glimpse", "rollout"], new FaithfulnessOptions { Steps = 3 });
        Assert.Equal(4, run.Records.Count);
        Assert.All(run.Records, r => Assert.Equal(4, r.Faithfulness!.Deletion.Scores.Length));
        Assert.Equal(5, ParseCsv(File.ReadAllText(files.Csv)).Count);
        Assert.True(File.Exists(files.Html));
    }

    [Fact]
    public void Idefics3RunsWithAlignmentOnly()
    {
        // Perturbing tiled model inputs (faithfulness) is not implemented; alignment reads the composed map.
        var (run, files, _) = Evaluate("idefics3", "idefics3", ["glimpse", "rollout"], faithfulness: null);
        Assert.Equal(4, run.Records.Count);
        Assert.All(run.Records, r => Assert.NotNull(r.Alignment));
        Assert.Equal(5, ParseCsv(File.ReadAllText(files.Csv)).Count);
        Assert.True(File.Exists(files.Html));
    }

    [Fact]
    public void WithoutFaithfulnessOnlyAlignmentIsReported()
    {
        var (run, files, _) = Evaluate("llava", "alignment-only", ["gradcam"], faithfulness: null);
        Assert.All(run.Records, r => Assert.Null(r.Faithfulness));
        var summary = JsonNode.Parse(File.ReadAllText(files.SummaryJson))!;
        Assert.Null(summary["random_control"]);
        Assert.Null(summary["methods_summary"]!["gradcam"]!["metrics"]!["deletion_auc"]!["mean"]);
        string html = File.ReadAllText(files.Html);
        Assert.DoesNotContain("id=\"deletion-curve\"", html);
        Assert.DoesNotContain("id=\"paired\"", html);
    }

    [Fact]
    public void BadOptionsAreRefusedBeforeAnyWork()
    {
        Assert.Throws<ArgumentException>(() => new EvalOptions { Methods = ["glimpse", "saliency-of-doom"] }.Validate());
        Assert.Throws<ArgumentException>(() => new EvalOptions { Methods = [] }.Validate());
        Assert.Throws<ArgumentException>(() => new EvalOptions { Methods = ["tam", "tam"] }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new EvalOptions { Methods = ["tam"], Faithfulness = new FaithfulnessOptions { Steps = 0 } }.Validate());
    }

    /// <summary>RFC 4180: fields separated by commas, quoted fields may hold commas, doubled quotes and line breaks.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\r') { }
            else if (c == '\n') { row.Add(field.ToString()); field.Clear(); rows.Add(row); row = []; }
            else field.Append(c);
        }
        return rows;
    }

    private sealed class Collect(List<EvalProgress> into) : IProgress<EvalProgress>
    {
        public void Report(EvalProgress value) => into.Add(value);
    }
}
