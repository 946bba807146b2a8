using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>x·rsqrt(mean(x²)+ε)·w, computed in float32 whatever the model dtype (as Llama/Qwen2 do).</summary>
public sealed class RmsNorm : CheckpointModule
{
    private readonly double _eps;

    public RmsNorm(int dim, double eps) : base(nameof(RmsNorm))
    {
        _eps = eps;
        register_parameter("weight", new Parameter(torch.ones(dim)));
    }

    // Looked up each time: Module.to(dtype) replaces the registered tensor.
    public Tensor Forward(Tensor x) => Apply(x, get_parameter("weight")!, _eps);

    /// <summary>The normalisation itself, for modules that keep the weight under another structure.</summary>
    public static Tensor Apply(Tensor x, Tensor weight, double eps)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(float32);
        var normed = x32 * torch.rsqrt(x32.pow(2).mean([-1], keepdim: true) + eps);
        return (weight * normed.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
