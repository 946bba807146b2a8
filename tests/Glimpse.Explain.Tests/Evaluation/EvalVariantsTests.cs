using System.Text.Json.Nodes;
using Glimpse.Core.Evaluation;
using Glimpse.Core.Methods;
using Glimpse.Explain.Evaluation;
using Glimpse.Model;
using Glimpse.Model.Tests;

namespace Glimpse.Explain.Tests.Evaluation;

/// <summary>Ablations in one eval run: method variants with options of their own, compared with the first method.</summary>
public class EvalVariantsTests
{
    private static readonly string[] Methods =
        ["glimpse", "glimpse[token_weights=full]", "glimpse[answer_tokens=top-k,top_k=1]", "raw-attention[layer=0]", "raw-attention"];

    private static (EvalRun Run, EvalSummary Summary, EvalFiles Files) Evaluate()
    {
        string data = EvalFolders.Write("variants", 2);
        using var reference = ReferenceSet.Llava();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        var run = EvalRunner.Run(runtime, EvalSources.Open(data),
            new EvalOptions { Methods = Methods, MaxNewTokens = 3, Faithfulness = new FaithfulnessOptions { Steps = 3 } });
        string outDir = Path.Combine(AppContext.BaseDirectory, "eval-output", "variants");
        if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        return (run, EvalSummary.From(run), EvalOutputs.Write(outDir, run));
    }

    [Fact]
    public void Variants_run_with_their_own_options_and_are_compared_with_the_first()
    {
        var (run, summary, files) = Evaluate();

        Assert.Equal(Methods, run.Records.Take(Methods.Length).Select(r => r.Method));
        Assert.Equal(2 * Methods.Length, run.Records.Count);
        // A variant that only restates a default is the same method: identical maps, zero paired differences.
        var same = summary.AgreementWithFirst["glimpse[token_weights=full]"];
        Assert.Equal(1.0, same.MapCorrelation.Mean, 9);
        Assert.All(summary.PairedWithFirst["glimpse[token_weights=full]"].Values.Where(p => p.Difference.Count > 0),
            p => Assert.Equal(0.0, p.Difference.Mean, 12));
        // The layer is the variant's: layer 0 is not the last layer's map.
        var byItem = run.Records.ToLookup(r => r.ItemId);
        Assert.All(byItem, item => Assert.NotEqual(item.Single(r => r.Method == "raw-attention").GridMap, item.Single(r => r.Method == "raw-attention[layer=0]").GridMap));
        // One of three answer tokens explained: a different map, not a copy of the first's.
        Assert.True(summary.AgreementWithFirst["glimpse[answer_tokens=top-k,top_k=1]"].MapCorrelation.Mean < 0.999999);
        Assert.All(summary.AgreementWithFirst.Values, a => Assert.True(a.SpeedUp > 0));
        Assert.All(summary.Methods, m => Assert.True(m.ExplainSeconds!.Mean > 0));

        // summary.json: each variant's method and options, the agreement, and the items split by their tag.
        var json = JsonNode.Parse(File.ReadAllText(files.SummaryJson))!;
        Assert.Equal("1.1", json["schema_version"]!.GetValue<string>());
        var variant = json["variants"]!["glimpse[answer_tokens=top-k,top_k=1]"]!;
        Assert.Equal("glimpse", variant["method"]!.GetValue<string>());
        Assert.Equal("top-k", variant["options"]!["answer_tokens"]!.GetValue<string>());
        Assert.Equal(1.0, json["agreement_with_first"]!["glimpse[token_weights=full]"]!["map_correlation"]!["mean"]!.GetValue<double>(), 9);
        var groups = json["by_tag"]!.AsArray();
        Assert.Equal(["color", "position"], groups.Where(g => g!["tag"]!.GetValue<string>() == "type").Select(g => g!["value"]!.GetValue<string>()));
        Assert.All(groups, g => Assert.Equal(Methods.Order(), g!["methods"]!.AsObject().Select(m => m.Key).Order()));

        // eval.html: the cost-and-agreement table and the by-tag tables name every variant.
        string html = File.ReadAllText(files.Html);
        Assert.Contains("id=\"agreement-table\"", html);
        Assert.Contains("id=\"by-tag\"", html);
        Assert.Contains("data-method=\"glimpse[answer_tokens=top-k,top_k=1]\"", html);

        // eval.csv labels the rows with the variants.
        Assert.Contains("\"glimpse[answer_tokens=top-k,top_k=1]\"", File.ReadAllText(files.Csv));
    }

    [Fact]
    public void A_bad_variant_fails_before_any_item()
    {
        var error = Assert.Throws<ArgumentException>(() => new EvalOptions { Methods = ["glimpse", "glimpse[layer=2]"] }.Validate());
        Assert.Contains("layer does not apply to method glimpse", error.Message);
        Assert.Throws<ArgumentException>(() => new EvalOptions { Methods = ["glimpse", "glimpse[ ]"] }.Validate());
        // A variant's options meet the run's: top_k given to a run-wide top-k selection is fine.
        new EvalOptions
        {
            Methods = ["glimpse[top_k=2,answer_tokens=top-k]"],
            Settings = ExplainSettings.Default,
        }.Validate();
    }
}
