using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>
/// The Conv3d patch embedding of the Qwen vision towers (kernel = stride = (T, P, P), key <c>proj.weight</c>; a bias
/// <c>proj.bias</c> only in Qwen3-VL). Each input row is one whole kernel window, so the convolution is a matrix product
/// with the flattened kernel.
/// </summary>
public sealed class VisionPatchEmbed : CheckpointModule
{
    private readonly Conv3d _proj;

    public VisionPatchEmbed(int inChannels, int width, int temporalPatch, int patch, bool bias = false) : base(nameof(VisionPatchEmbed))
    {
        _proj = nn.Conv3d(inChannels, width, (temporalPatch, patch, patch), stride: (temporalPatch, patch, patch), bias: bias);
        register_module("proj", _proj);
    }

    /// <param name="rows">[Np, C_in·T·P·P]</param>
    /// <returns>[Np, width]</returns>
    public Tensor Forward(Tensor rows)
    {
        using var scope = NewDisposeScope();
        var kernel = _proj.weight!.flatten(1);                                             // [width, C_in·T·P·P]
        return nn.functional.linear(rows, kernel, _proj.bias).MoveToOuterDisposeScope();
    }
}
