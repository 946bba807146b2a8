using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

public class GenerationTests(LlavaFixture fx) : IClassFixture<LlavaFixture>
{
    private long[] Prompt => fx.Reference.Ids("input_ids");

    private long[] Run(GenerationOptions options)
    {
        using var result = AnswerGenerator.Generate(fx.Model, Prompt, fx.Image, options);
        return result.NewTokens;
    }

    [Fact]
    public void SamplingWithTheSameSeedRepeats()
    {
        var options = new GenerationOptions { MaxNewTokens = 12, Temperature = 1.5, Seed = 7, StopAtEos = false };
        Assert.Equal(Run(options), Run(options));
    }

    [Fact]
    public void SamplingExploresBeyondGreedy()
    {
        long[] greedy = Run(new GenerationOptions { MaxNewTokens = 12, StopAtEos = false });
        // A random tiny model has a flat distribution: hot sampling over several seeds must leave the greedy path.
        var sampled = Enumerable.Range(0, 5).Select(seed => Run(new GenerationOptions { MaxNewTokens = 12, Temperature = 2, Seed = seed, StopAtEos = false }));
        Assert.Contains(sampled, s => !s.SequenceEqual(greedy));
    }

    [Fact]
    public void TinyTopPKeepsOnlyTheArgmax()
    {
        long[] greedy = Run(new GenerationOptions { MaxNewTokens = 8, StopAtEos = false });
        long[] nucleus = Run(new GenerationOptions { MaxNewTokens = 8, Temperature = 1, TopP = 1e-6, Seed = 3, StopAtEos = false });
        Assert.Equal(greedy, nucleus);
    }

    [Fact]
    public void StopsAtEndOfSequence()
    {
        long[] greedy = Run(new GenerationOptions { MaxNewTokens = 8, StopAtEos = false });
        // Declare the third greedy token the end-of-sequence id: generation must stop right after emitting it.
        using var result = AnswerGenerator.Generate(fx.Model, Prompt, fx.Image,
            new GenerationOptions { MaxNewTokens = 8, EosTokenIds = [greedy[2]] });
        Assert.Equal(FinishReason.EndOfSequence, result.FinishReason);
        Assert.Equal(greedy[..(Array.IndexOf(greedy, greedy[2]) + 1)], result.NewTokens);
    }

    [Fact]
    public void ContextLimitIsRespected()
    {
        int context = fx.Model.Config.Text.MaxPositionEmbeddings;
        using var result = AnswerGenerator.Generate(fx.Model, Prompt, fx.Image,
            new GenerationOptions { MaxNewTokens = 1000, StopAtEos = false });
        Assert.Equal(FinishReason.ContextFull, result.FinishReason);
        Assert.Equal(context - Prompt.Length, result.NewTokens.Length);

        long[] tooLong = [.. Prompt, .. Enumerable.Repeat(5L, context)];
        Assert.Throws<ArgumentException>(() => AnswerGenerator.Generate(fx.Model, tooLong, fx.Image));
    }

    [Fact]
    public void BadOptionsAndIdsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Run(new GenerationOptions { MaxNewTokens = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Run(new GenerationOptions { TopP = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Run(new GenerationOptions { Temperature = -1 }));
        var e = Assert.Throws<ArgumentException>(() => AnswerGenerator.Generate(fx.Model, [1, 5, 100000], null));
        Assert.Contains("100000", e.Message);
        // Image tokens without an image (or the wrong count) are refused before the decoder runs.
        Assert.Throws<ArgumentException>(() => AnswerGenerator.Generate(fx.Model, Prompt, null));
    }

    [Fact]
    public void Float64ComputeMatchesTheReference()
    {
        using var model = ModelLoader.Load(fx.Reference.ModelDir, new ModelLoadOptions { DType = ScalarType.Float64 });
        Assert.Equal(ScalarType.Float64, model.DType);
        using var pass = TeacherForcedPass.Run(model, Prompt, fx.Image);
        TensorAssert.RelativeClose(fx.Reference["logits"], pass.Logits[0], 1e-4, "float64 logits");
    }
}
