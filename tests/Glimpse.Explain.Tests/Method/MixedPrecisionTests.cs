using Glimpse.Core.Evaluation;
using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Rendering;
using Glimpse.Model;
using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using Glimpse.Model.Tests;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Glimpse.Explain.Tests;

/// <summary>
/// Loading a bfloat16 model switches TorchSharp's process-wide default dtype for a moment (ModelLoader.Construct); these
/// tests run alone so that no other test makes tensors meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BFloat16LoadCollection
{
    public const string Name = "bfloat16 loads";
}

/// <summary>
/// GLIMPSE on each reference set with the model in bfloat16-mixed precision against the same model in float32, on the
/// same teacher-forced sequence (the reference's float32 answer): the response-level map S_V, min-max normalised, must
/// correlate (Pearson CC) and agree cell by cell within the bounds docs/mixed-precision.md documents.
/// </summary>
public abstract class MixedPrecisionTests(ITestOutputHelper output)
{
    /// <summary>Measured on the six tiny reference models (docs/mixed-precision.md): CC ≥ 0.9995 and max |Δ| ≤ 0.028 at
    /// worst (Idefics3); the bounds leave about twice that room for other CPUs' bfloat16 kernels.</summary>
    public const double MinCorrelation = 0.995, MaxAbsDifference = 0.06;

    protected abstract ExplanationSubject Subject { get; }
    protected abstract string ModelDir { get; }

    [Fact]
    public void MixedPrecisionMapIsCloseToTheFloat32Map()
    {
        var float32 = Subject;
        using var mixed = ModelLoader.Load(ModelDir, ModelLoadOptions.For(ModelPrecision.BFloat16Mixed));
        Assert.Equal(ScalarType.BFloat16, mixed.DType);
        var explainer = new GlimpseExplainer(new GlimpseOptions());
        var reference = explainer.Explain(float32);
        var result = explainer.Explain(WithModel(float32, mixed));

        var (cc, maxDifference) = Compare(reference.ImageMap, result.ImageMap);
        var (promptCc, promptDifference) = Compare(reference.PromptMap!, result.PromptMap!);
        output.WriteLine($"S_V: CC {cc:F4}, max |Δ| {maxDifference:F4}; S_P: CC {promptCc:F4}, max |Δ| {promptDifference:F4}; " +
                         $"β^V max |Δ| {reference.VisualWeights.Zip(result.VisualWeights, (a, b) => Math.Abs(a - b)).Max():F4}");
        Assert.True(cc >= MinCorrelation, $"CC of the normalised maps {cc:F4} < {MinCorrelation}");
        Assert.True(maxDifference <= MaxAbsDifference, $"max |Δ| of the normalised maps {maxDifference:F4} > {MaxAbsDifference}");
        Assert.True(promptCc >= MinCorrelation, $"CC of the normalised prompt maps {promptCc:F4} < {MinCorrelation}");
    }

    /// <summary>Pearson CC and max |a − b| of the two maps, each min-max normalised to [0, 1].</summary>
    public static (double Correlation, double MaxAbsDifference) Compare(double[] float32, double[] mixed)
    {
        var a = MapNormalizer.Normalize(float32, MapNormalization.MinMax);
        var b = MapNormalizer.Normalize(mixed, MapNormalization.MinMax);
        return (SaliencyMetrics.Cc(a, b), a.Zip(b, (x, y) => Math.Abs(x - y)).Max());
    }

    private static ExplanationSubject WithModel(ExplanationSubject s, VisionLanguageModel model) => new()
    {
        Model = model,
        SequenceIds = s.SequenceIds,
        Image = s.Image,
        VisualPositions = s.VisualPositions,
        PromptPositions = s.PromptPositions,
        QueryPositions = s.QueryPositions,
        AnswerIds = s.AnswerIds,
        ImageTokens = s.ImageTokens,
    };
}

[Collection(BFloat16LoadCollection.Name)]
public class LlavaMixedPrecisionTests(LlavaFixture fx, ITestOutputHelper output) : MixedPrecisionTests(output), IClassFixture<LlavaFixture>
{
    protected override ExplanationSubject Subject => SubjectFactory.Llava(fx);
    protected override string ModelDir => fx.Reference.ModelDir;
}

[Collection(BFloat16LoadCollection.Name)]
public class LlavaNextMixedPrecisionTests(LlavaNextFixture fx, ITestOutputHelper output) : MixedPrecisionTests(output), IClassFixture<LlavaNextFixture>
{
    protected override ExplanationSubject Subject => SubjectFactory.LlavaNext(fx);
    protected override string ModelDir => fx.Reference.ModelDir;
}

[Collection(BFloat16LoadCollection.Name)]
public class Qwen2VLMixedPrecisionTests(Qwen2VLFixture fx, ITestOutputHelper output) : MixedPrecisionTests(output), IClassFixture<Qwen2VLFixture>
{
    protected override ExplanationSubject Subject => SubjectFactory.Qwen2VL(fx);
    protected override string ModelDir => fx.Reference.ModelDir;
}

[Collection(BFloat16LoadCollection.Name)]
public class Qwen25VLMixedPrecisionTests(Qwen25VLFixture fx, ITestOutputHelper output) : MixedPrecisionTests(output), IClassFixture<Qwen25VLFixture>
{
    protected override ExplanationSubject Subject => SubjectFactory.Qwen25VL(fx);
    protected override string ModelDir => fx.Reference.ModelDir;
}

[Collection(BFloat16LoadCollection.Name)]
public class Qwen3VLMixedPrecisionTests(Qwen3VLFixture fx, ITestOutputHelper output) : MixedPrecisionTests(output), IClassFixture<Qwen3VLFixture>
{
    protected override ExplanationSubject Subject => SubjectFactory.Qwen3VL(fx);
    protected override string ModelDir => fx.Reference.ModelDir;
}

[Collection(BFloat16LoadCollection.Name)]
public class Idefics3MixedPrecisionTests(Idefics3Fixture fx, ITestOutputHelper output) : MixedPrecisionTests(output), IClassFixture<Idefics3Fixture>
{
    protected override ExplanationSubject Subject => SubjectFactory.Idefics3(fx);
    protected override string ModelDir => fx.Reference.ModelDir;
}

/// <summary>The whole explain job in bfloat16-mixed with every method, and a runtime in the wrong precision refused.</summary>
[Collection(BFloat16LoadCollection.Name)]
public class MixedPrecisionExplainRunTests
{
    [Fact]
    public void EveryMethodExplainsInBFloat16MixedAndRecordsThePrecision()
    {
        using var reference = ReferenceSet.Llava();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir, ModelLoadOptions.For(ModelPrecision.BFloat16Mixed));
        foreach (string method in ExplainMethods.Names)
        {
            var request = new ExplainRequest(RgbImage.Load(reference.ImagePath), "what color is the big ball", Explainers.Create(method))
            {
                MaxNewTokens = 4,
                Generation = new GenerationOptions { StopAtEos = false },
                Precision = ModelPrecision.BFloat16Mixed,
            };
            var result = ExplainRun.Execute(runtime, request).Result;
            Assert.Equal("bfloat16-mixed", result.Options["precision"]);
            Assert.Equal("bfloat16", result.Model.DType);
            Assert.All(result.ImageMap.Values, v => Assert.True(double.IsFinite(v), $"{method}: a map value is not finite"));
            Assert.Contains(result.ImageMap.Values, v => v != 0);
        }
    }

    [Fact]
    public void ARuntimeInAnotherPrecisionIsRefused()
    {
        using var reference = ReferenceSet.Llava();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        var request = new ExplainRequest(RgbImage.Load(reference.ImagePath), "what color is the big ball", Explainers.Create("glimpse"))
        {
            Precision = ModelPrecision.BFloat16Mixed,
        };
        var error = Assert.Throws<ArgumentException>(() => ExplainRun.Execute(runtime, request));
        Assert.Contains("bfloat16-mixed", error.Message);
        Assert.Contains("float32", error.Message);
    }
}
