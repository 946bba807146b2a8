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
    private Parameter Weight => get_parameter("weight")!;

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(float32);
        var normed = x32 * torch.rsqrt(x32.pow(2).mean([-1], keepdim: true) + _eps);
        return (Weight * normed.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
