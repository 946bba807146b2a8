using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>
/// A learned position embedding over a square grid of side G (<c>weight</c> [G², width], row-major), resampled to an
/// image's patch grid by bilinear interpolation with the corners aligned (Qwen3-VL's <c>pos_embed</c>): patch row r of
/// h gets y = r·(G−1)/(h−1) (float32 linspace), column c likewise, and the four surrounding grid entries are blended with
/// weights (1−dy)(1−dx), (1−dy)dx, dy(1−dx), dy·dx. Rows come out in the image processor's order (t, h/m, w/m, h%m, w%m).
/// </summary>
public sealed class InterpolatedPositionEmbedding : CheckpointModule
{
    private readonly int _side;

    public InterpolatedPositionEmbedding(int positions, int width) : base(nameof(InterpolatedPositionEmbedding))
    {
        _side = (int)Math.Sqrt(positions);
        if (_side * _side != positions)
            throw new ArgumentException($"A learned position grid needs a square number of positions, got {positions}.", nameof(positions));
        register_parameter("weight", new Parameter(torch.randn(positions, width) * 0.02));
    }

    /// <summary>Side of the learned grid.</summary>
    public int GridSide => _side;

    /// <summary>
    /// Which grid entries each patch blends and with what weight, in the processor's row order:
    /// indices [4, t·h·w] (floor/floor, floor/ceil, ceil/floor, ceil/ceil) and weights [4, t·h·w] float32.
    /// </summary>
    /// <param name="gridThw">(t, h, w) in patches; h and w multiples of <paramref name="mergeSize"/></param>
    public (Tensor Indices, Tensor Weights) Blend(long[] gridThw, int mergeSize, Device device)
    {
        using var scope = NewDisposeScope();
        long t = gridThw[0], h = gridThw[1], w = gridThw[2], m = mergeSize;
        var (y0, y1, dy) = Axis(h, device);                                                // [h] each
        var (x0, x1, dx) = Axis(w, device);                                                // [w] each
        // Raster order of the patch grid, then the processor's (t, h/m, w/m, h%m, w%m).
        Tensor Order(Tensor raster) => raster.view(h / m, m, w / m, m).permute(0, 2, 1, 3).flatten().repeat(t);
        Tensor Index(Tensor y, Tensor x) => Order(y.view(-1, 1) * _side + x.view(1, -1));
        Tensor Weight(Tensor wy, Tensor wx) => Order(wy.view(-1, 1) * wx.view(1, -1));
        var indices = torch.stack([Index(y0, x0), Index(y0, x1), Index(y1, x0), Index(y1, x1)]);
        var weights = torch.stack([Weight(1 - dy, 1 - dx), Weight(1 - dy, dx), Weight(dy, 1 - dx), Weight(dy, dx)]);
        return (indices.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }

    /// <summary>floor, ceil (capped at the grid) and fraction of the corner-aligned sample points along one axis.</summary>
    private (Tensor Floor, Tensor Ceil, Tensor Fraction) Axis(long count, Device device)
    {
        var points = torch.linspace(0, _side - 1, count, dtype: float32, device: device);
        var floor = points.to(int64);                                                      // truncation = floor for ≥ 0
        var ceil = (floor + 1).clamp_max(_side - 1);
        return (floor, ceil, points - floor.to(float32));
    }

    /// <param name="gridThw">(t, h, w) in patches; h and w multiples of <paramref name="mergeSize"/></param>
    /// <returns>[t·h·w, width] in the processor's row order</returns>
    public Tensor Forward(long[] gridThw, int mergeSize)
    {
        using var scope = NewDisposeScope();
        var weight = get_parameter("weight")!;
        var (indices, weights) = Blend(gridThw, mergeSize, weight.device);                 // [4, Np] each
        var blended = weight.index_select(0, indices.flatten()).view(4, indices.shape[1], -1)
                      * weights.to(weight.dtype).unsqueeze(-1);                            // [4, Np, width]
        // Summed in the order Hugging Face sums them.
        return (blended[0] + blended[1] + blended[2] + blended[3]).MoveToOuterDisposeScope();
    }
}
