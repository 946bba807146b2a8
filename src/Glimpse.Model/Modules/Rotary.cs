using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>
/// Rotary position embedding in the rotate-half form (Llama, Qwen2): inv_freq[i] = θ^(−2i/d), cos/sin tables are
/// cat(freqs, freqs). With an M-RoPE section (Qwen2-VL) the d/2 frequencies are split, in order, between the t, h and
/// w position axes; plain RoPE is the one-axis case.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly double[] _invFreq;
    private readonly int[]? _section;

    public int HeadDim { get; }

    public RotaryEmbedding(int headDim, double theta, int[]? mropeSection)
    {
        HeadDim = headDim;
        _section = mropeSection;
        // HF computes inv_freq in float32 from an int64 arange; rounding to float here reproduces its values.
        _invFreq = Enumerable.Range(0, headDim / 2)
            .Select(i => (double)(float)(1.0 / Math.Pow(theta, 2.0 * i / headDim))).ToArray();
    }

    /// <summary>Number of position axes this embedding reads (1, or 3 for M-RoPE).</summary>
    public int Axes => _section is null ? 1 : 3;

    /// <param name="positions">[axes, B, N] integer positions.</param>
    /// <returns>cos, sin: [B, 1, N, d] in <paramref name="dtype"/>, ready to broadcast over heads.</returns>
    public (Tensor Cos, Tensor Sin) Tables(Tensor positions, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        if (positions.dim() != 3 || positions.shape[0] != Axes)
            throw new ArgumentException($"rotary positions must be [{Axes}, B, N], got [{string.Join(", ", positions.shape)}]");
        var invFreq = torch.tensor(_invFreq.Select(f => (float)f).ToArray(), device: positions.device);
        var freqs = positions.to(float32).unsqueeze(-1) * invFreq;            // [axes, B, N, d/2]
        if (_section is not null)
        {
            // Frequency j reads the axis its section assigns (t for the first section[0] frequencies, then h, then w).
            var axisOf = _section.SelectMany((count, axis) => Enumerable.Repeat((long)axis, count)).ToArray();
            var index = torch.tensor(axisOf, device: positions.device)
                .view(1, 1, 1, -1).expand(1, freqs.shape[1], freqs.shape[2], -1);
            freqs = freqs.gather(0, index);                                   // [1, B, N, d/2]
        }
        var emb = torch.cat([freqs[0], freqs[0]], -1).unsqueeze(1);            // [B, 1, N, d]
        return (emb.cos().to(dtype).MoveToOuterDisposeScope(), emb.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>x·cos + rotate_half(x)·sin, with rotate_half([x1, x2]) = [−x2, x1].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var x1 = x[TensorIndex.Ellipsis, TensorIndex.Slice(0, half)];
        var x2 = x[TensorIndex.Ellipsis, TensorIndex.Slice(half)];
        var rotated = torch.cat([-x2, x1], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}
