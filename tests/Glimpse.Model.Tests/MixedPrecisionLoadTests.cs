using Glimpse.Core.Methods;
using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

/// <summary>
/// Loading a bfloat16 model switches TorchSharp's process-wide default dtype while the modules are built
/// (<see cref="ModelLoader.Construct"/>); these tests run alone so that no other test makes tensors meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BFloat16ModelLoads
{
    public const string Name = "bfloat16 model loads";
}

/// <summary>bfloat16-mixed: weights in bfloat16, what explainers read in float32.</summary>
[Collection(BFloat16ModelLoads.Name)]
public sealed class MixedPrecisionLoadTests
{
    [Fact]
    public void WeightsAreTheCheckpointsRoundedToBFloat16AndTheDefaultDTypeIsRestored()
    {
        using var reference = ReferenceSet.Llava();
        using var float32 = ModelLoader.Load(reference.ModelDir);
        using var mixed = ModelLoader.Load(reference.ModelDir, ModelLoadOptions.For(ModelPrecision.BFloat16Mixed));
        Assert.Equal(ScalarType.Float32, torch.get_default_dtype());
        Assert.Equal(ScalarType.BFloat16, mixed.DType);
        Assert.Equal("bfloat16-mixed", ModelLoadOptions.PrecisionName(mixed.DType));
        Assert.Equal("float32", ModelLoadOptions.PrecisionName(float32.DType));
        var expected = float32.state_dict();
        foreach (var (name, weight) in mixed.state_dict())
        {
            Assert.Equal(ScalarType.BFloat16, weight.dtype);
            using var rounded = expected[name].to(ScalarType.BFloat16);
            Assert.True(weight.eq(rounded).all().item<bool>(), $"{name} is not the checkpoint's value rounded to bfloat16");
        }
    }

    [Fact]
    public void AttentionProbabilitiesAndTheirGradientsStayFloat32()
    {
        using var reference = ReferenceSet.Llava();
        using var mixed = ModelLoader.Load(reference.ModelDir, ModelLoadOptions.For(ModelPrecision.BFloat16Mixed));
        using var pass = TeacherForcedPass.Run(mixed, reference.Ids("generated_ids"), new ImageInput(reference["pixel_values"]),
            new TeacherForcedOptions { TrackGradients = true, KeepHiddenStates = true });
        Assert.All(pass.Attentions, a => Assert.Equal(ScalarType.Float32, a.dtype));
        Assert.All(pass.HiddenStates, h => Assert.Equal(ScalarType.BFloat16, h.dtype));
        Assert.Equal(ScalarType.Float32, pass.Logits.dtype);
        using var target = pass.Logits[0, -2].max();
        var gradients = pass.AttentionGradients([target], retainGraph: false);
        Assert.All(gradients, g => Assert.Equal(ScalarType.Float32, g.dtype));
        Assert.Contains(gradients, g => g.abs().max().item<float>() > 0);
        foreach (var g in gradients) g.Dispose();
    }

    [Fact]
    public void PrecisionNamesRoundTrip()
    {
        foreach (string name in ModelPrecisions.Names)
        {
            Assert.True(ModelPrecisions.TryParse(name, out var precision));
            Assert.Equal(name, precision.Name());
        }
        Assert.False(ModelPrecisions.TryParse("bfloat16", out _));
        Assert.Throws<ArgumentException>(() => ModelPrecisions.Parse("float16-mixed"));
        Assert.Equal(ScalarType.BFloat16, ModelLoadOptions.For(ModelPrecision.BFloat16Mixed).DType);
        Assert.Equal(ScalarType.Float32, ModelLoadOptions.For(ModelPrecision.Float32, "cuda").DType);
    }
}
