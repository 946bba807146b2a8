using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>
/// The 2-D rotary position of a Qwen-style vision tower (Qwen2-VL, Qwen2.5-VL): each patch row gets rotary angles for
/// its row h and its column w in the patch grid, each over head_dim/4 frequencies θ^(−2i/(head_dim/2)); the h-angles
/// come first. Rows are in the image processor's order, (t, h/m, w/m, h%m, w%m) for merge size m.
/// </summary>
public sealed class VisionRotary
{
    private readonly float[] _invFreq;

    /// <param name="headDim">the vision attention's head_dim; h and w each take a quarter of it as frequencies</param>
    /// <param name="theta">rotary base (10000 in both Qwen families)</param>
    public VisionRotary(int headDim, double theta = 10_000)
    {
        int rotaryDim = headDim / 2;   // h and w each take half of the rotated width
        // Hugging Face computes inv_freq in float32; rounding here reproduces its values.
        _invFreq = Enumerable.Range(0, rotaryDim / 2)
            .Select(i => (float)(1.0 / Math.Pow(theta, 2.0 * i / rotaryDim))).ToArray();
    }

    /// <summary>Rotary angles per patch row, processor order: [t·h·w, head_dim/2] (h-angles, then w-angles), float32.</summary>
    /// <param name="gridThw">(t, h, w) in patches; h and w multiples of <paramref name="mergeSize"/></param>
    public Tensor Angles(long[] gridThw, int mergeSize, Device device)
    {
        using var scope = NewDisposeScope();
        long t = gridThw[0], hh = gridThw[1], ww = gridThw[2], m = mergeSize;
        // Coordinates in the processor's row order: (h/m, w/m, h%m, w%m) within each frame.
        var hpos = torch.arange(hh, device: device).view(-1, 1).expand(hh, ww)
            .reshape(hh / m, m, ww / m, m).permute(0, 2, 1, 3).flatten();                 // [h·w]
        var wpos = torch.arange(ww, device: device).view(1, -1).expand(hh, ww)
            .reshape(hh / m, m, ww / m, m).permute(0, 2, 1, 3).flatten();                 // [h·w]
        var invFreq = torch.tensor(_invFreq, device: device);                             // [hd/4]
        var angles = torch.cat([hpos.to(float32).unsqueeze(-1) * invFreq, wpos.to(float32).unsqueeze(-1) * invFreq], -1);
        return angles.repeat(t, 1).MoveToOuterDisposeScope();                             // [t·h·w, hd/2]
    }

    /// <summary>cos and sin of cat(angles, angles): [Np, head_dim] each, float32 (the rotate-half layout).</summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor angles)
    {
        using var scope = NewDisposeScope();
        var emb = torch.cat([angles, angles], -1);                                         // [Np, hd]
        return (emb.cos().MoveToOuterDisposeScope(), emb.sin().MoveToOuterDisposeScope());
    }
}
