using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>
/// Rotary position embedding in the rotate-half form (Llama, Qwen2): inv_freq[i] = θ^(−2i/d), cos/sin tables are
/// cat(freqs, freqs). With an M-RoPE section the d/2 frequencies are shared between the t, h and w position axes, in
/// one of two layouts (<see cref="MropeLayout"/>); plain RoPE is the one-axis case.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly double[] _invFreq;
    private readonly int[]? _section;
    private readonly MropeLayout _layout;

    public int HeadDim { get; }

    public RotaryEmbedding(int headDim, double theta, int[]? mropeSection, MropeLayout layout = MropeLayout.Split)
    {
        HeadDim = headDim;
        _section = mropeSection;
        _layout = layout;
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
            var axisOf = AxisOfFrequency(_section, _layout, HeadDim / 2);
            var index = torch.tensor(axisOf, device: positions.device)
                .view(1, 1, 1, -1).expand(1, freqs.shape[1], freqs.shape[2], -1);
            freqs = freqs.gather(0, index);                                   // [1, B, N, d/2]
        }
        var emb = torch.cat([freqs[0], freqs[0]], -1).unsqueeze(1);            // [B, 1, N, d]
        return (emb.cos().to(dtype).MoveToOuterDisposeScope(), emb.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>The position axis (0 = t, 1 = h, 2 = w) each of the <paramref name="frequencies"/> rotary frequencies reads.</summary>
    public static long[] AxisOfFrequency(int[] section, MropeLayout layout, int frequencies) => layout switch
    {
        // In order: t for the first section[0] frequencies, then h, then w.
        MropeLayout.Split => section.SelectMany((count, axis) => Enumerable.Repeat((long)axis, count)).ToArray(),
        // Round-robin t, h, w while h and w still have frequencies left (3·section[axis]), t for the rest.
        MropeLayout.Interleaved => Enumerable.Range(0, frequencies)
            .Select(i => i % 3 == 1 && i < 3 * section[1] ? 1L : i % 3 == 2 && i < 3 * section[2] ? 2L : 0L).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, null),
    };

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

/// <summary>How M-RoPE shares the rotary frequencies between the t, h and w axes.</summary>
public enum MropeLayout
{
    /// <summary>Consecutive chunks of section[0], section[1], section[2] frequencies (Qwen2-VL, Qwen2.5-VL).</summary>
    Split,
    /// <summary>t, h, w, t, h, w, … over the frequencies while h and w last, then t (Qwen3-VL).</summary>
    Interleaved,
}
