using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Model;
using Glimpse.Model.Generation;
using Glimpse.Model.Tests;

namespace Glimpse.Explain.Tests;

/// <summary>The whole explain job from an image file and a question, on the tiny reference models.</summary>
public class ExplainRunTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "llava", "glimpse" }, { "llava", "rollout" }, { "qwen2vl", "glimpse" }, { "qwen2vl", "glimpse-fast" }, { "qwen2vl", "tam" },
        { "qwen25vl", "glimpse" }, { "qwen25vl", "chefer" }, { "qwen3vl", "glimpse" }, { "qwen3vl", "rollout" },
        { "idefics3", "glimpse" }, { "idefics3", "rollout" },
    };

    [Theory, MemberData(nameof(Cases))]
    public void ExplainsAnAnswerFromFiles(string set, string method)
    {
        using var reference = set switch
        {
            "llava" => ReferenceSet.Llava(), "qwen2vl" => ReferenceSet.Qwen2VL(), "qwen3vl" => ReferenceSet.Qwen3VL(),
            "idefics3" => ReferenceSet.Idefics3(), _ => ReferenceSet.Qwen25VL(),
        };
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        var request = new ExplainRequest(RgbImage.Load(reference.ImagePath), "what color is the big ball", Explainers.Create(method))
        {
            MaxNewTokens = 5,
            PerTokenMaps = true,
            Generation = new GenerationOptions { StopAtEos = false },
        };
        var steps = new List<ExplainStep>();
        var outcome = ExplainRun.Execute(runtime, request, (step, _) => steps.Add(step));
        var r = outcome.Result;

        Assert.Equal(method, r.Method);
        Assert.Equal("float32", r.Options["precision"]);
        Assert.Equal(method == "glimpse-fast", r.Approximate);
        Assert.Equal(5, r.AnswerTokens.Count);
        Assert.Equal(r.ImageMap.Layout.TokenCount, r.ImageMap.Values.Length);
        if (set == "idefics3")
        {
            // 40×48 → 64×64: 2×2 tiles and the global image, 2×2 tokens each.
            Assert.Equal(["tile 1,1", "tile 1,2", "tile 2,1", "tile 2,2", "global"], r.ImageMap.Layout.Grids.Select(g => g.Name));
            Assert.All(r.ImageMap.Layout.Grids, g => Assert.Equal((2, 2), (g.Rows, g.Columns)));
        }
        else
        {
            var grid = Assert.Single(r.ImageMap.Layout.Grids);
            Assert.Equal(set switch { "llava" => (4, 4), "qwen2vl" => (2, 3), "qwen3vl" => (3, 4), _ => (2, 5) }, (grid.Rows, grid.Columns));
        }
        Assert.Equal(5, r.PerTokenMaps!.Count);
        Assert.Equal(6, r.PromptTokens.Count(t => t.Role == "question"));
        Assert.All(r.PromptTokens.Where(t => t.Role != "question"), t => Assert.Null(t.Saliency));
        Assert.Equal(method.StartsWith("glimpse"), r.PromptTokens.Where(t => t.Role == "question").All(t => t.Saliency is not null));
        Assert.Equal(1, r.AnswerTokens.Sum(t => t.VisualWeight), 9);
        Assert.Equal([ExplainStep.Generate, ExplainStep.Explain], steps.Distinct());
        Assert.True(r.Timings.TotalSeconds >= r.Timings.GenerateSeconds);
    }

    [Fact]
    public void BadInputIsAClearErrorBeforeAnyModelWork()
    {
        using var reference = ReferenceSet.Llava();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        var image = RgbImage.Load(reference.ImagePath);
        var explainer = Explainers.Create("glimpse");
        Assert.Throws<ArgumentException>(() => ExplainRun.Execute(runtime, new ExplainRequest(image, "   ", explainer)));
        var tooLong = string.Join(' ', Enumerable.Repeat("ball", 300));
        Assert.Contains("context", Assert.Throws<ArgumentException>(() => ExplainRun.Execute(runtime, new ExplainRequest(image, tooLong, explainer))).Message);
        Assert.Throws<ImageDecodeException>(() => RgbImage.Decode([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]));
        Assert.Throws<ArgumentException>(() => Explainers.Create("saliency-of-doom"));
    }

    [Fact]
    public void AnAnswerOfZeroTokensHasNothingToExplain()
    {
        using var reference = ReferenceSet.Llava();
        using var model = ModelLoader.Load(reference.ModelDir);
        var subject = new ExplanationSubject
        {
            Model = model,
            SequenceIds = reference.Ids("input_ids"),
            Image = new(reference["pixel_values"]),
            VisualPositions = SubjectFactory.Positions(reference, "V_positions"),
            PromptPositions = SubjectFactory.Positions(reference, "P_positions"),
            QueryPositions = [],
            AnswerIds = [],
            ImageTokens = SubjectFactory.GridLayout(4, 4),
        };
        Assert.Contains("zero tokens", Assert.Throws<ArgumentException>(() => new GlimpseExplainer(new GlimpseOptions()).Explain(subject)).Message);
    }
}
