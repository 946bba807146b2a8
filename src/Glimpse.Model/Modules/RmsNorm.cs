using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>x·rsqrt(mean(x²)+ε)·w, computed in float32 whatever the model dtype (as Llama/Qwen2 do).</summary>
public sealed class RmsNorm : CheckpointModule
{
    private readonly Parameter _weight;
    private readonly double _eps;

    public RmsNorm(int dim, double eps) : base(nameof(RmsNorm))
    {
        _eps = eps;
        _weight = new Parameter(torch.ones(dim));
        register_parameter("weight", _weight);
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(float32);
        var normed = x32 * torch.rsqrt(x32.pow(2).mean([-1], keepdim: true) + _eps);
        return (_weight * normed.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
