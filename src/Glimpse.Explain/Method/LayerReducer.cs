using Glimpse.Core.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain;

/// <summary>
/// Steps 1–4 of GLIMPSE for one layer (G = ReLU(g) ⊙ A, head weights w, E_l = Σ_h w G row-normalised, γ_l) in
/// buffers that are kept from one layer and one token to the next. Shapes: C tokens in a chunk, H heads, N positions.
/// </summary>
/// <remarks>
/// The reduction runs inside backward, once per layer per answer token. Written as plain tensor expressions it makes
/// four fresh [C, H, N, N] temporaries each time (ReLU(g), G, the masked ReLU(g), the einsum's operand), tens of MB
/// apiece, interleaved with the backward's own temporaries of the same size. On the CPU each is a fresh allocation that
/// glibc either maps and unmaps (a page fault for every 4 KiB touched) or keeps in its heaps. Here the one large buffer
/// is allocated once per explanation; ReLU and the product with A run in place in it; the sums over the gradient region
/// and over heads are matrix–vector products (a 0/1 region vector, a row of ones), which need no masked copies. The
/// small allocations that remain (handles, views, per-head sums) are why the sweep runs this on a thread of its own
/// (<see cref="ReductionThread"/>).
/// </remarks>
public sealed class LayerReducer(GlimpseOptions options) : IDisposable
{
    private Tensor? _positive;   // ReLU(g), then G = ReLU(g) ⊙ A [capacity, H, N, N]
    private Tensor? _headSum;    // Σ_h g [capacity, N·N]
    private Tensor? _region;     // [N·N]: 1 inside the gradient region (causal: key j ≤ query i; full: everywhere), else 0
    private Tensor? _ones;       // [1, H]

    /// <summary>Reduces one layer; writes E_l into <paramref name="relevance"/> and returns γ_l and w.</summary>
    /// <param name="attention">A_l [H, N, N] or [1 or C, H, N, N]</param>
    /// <param name="gradient">g_l [C, H, N, N]; not changed</param>
    /// <param name="relevance">E_l [C, N, N], written (its contents before are ignored)</param>
    /// <returns>γ_l [C] and w_l [C, H], new tensors owned by the caller</returns>
    public (Tensor GradientMass, Tensor HeadWeights) Reduce(Tensor attention, Tensor gradient, Tensor relevance)
    {
        var mass = torch.empty(gradient.shape[0], dtype: gradient.dtype, device: gradient.device);
        var headWeights = torch.empty(gradient.shape[0], gradient.shape[1], dtype: gradient.dtype, device: gradient.device);
        Reduce(attention, gradient, relevance, mass, headWeights);
        return (mass, headWeights);
    }

    /// <summary>
    /// Reduces one layer into buffers the caller keeps: E_l into <paramref name="relevance"/>, γ_l into
    /// <paramref name="gradientMass"/> [C], w_l into <paramref name="headWeights"/> [C, H]. What it allocates lives only
    /// until it returns, which matters inside backward (see the class remarks).
    /// </summary>
    public void Reduce(Tensor attention, Tensor gradient, Tensor relevance, Tensor gradientMass, Tensor headWeights)
    {
        long c = gradient.shape[0], heads = gradient.shape[1], n = gradient.shape[^1], cells = n * n;
        EnsureBuffers(c, heads, n, gradient.dtype, gradient.device);
        using var scope = NewDisposeScope();
        var positive = _positive![..(int)c];                                                   // [C, H, N, N]
        positive.copy_(gradient).clamp_min_(0);                                                // ReLU(g)
        var byHead = positive.view(c * heads, cells);                                          // [C·H, N²]

        if (options.HeadWeighting == HeadWeighting.Adaptive)
        {
            var reluMass = byHead.mv(_region!).view(c, heads);                                   // Σ_region ReLU(g) [C, H]
            positive.mul_(attention);                                                          // G [C, H, N, N]
            var weightedMass = byHead.sum(1).view(c, heads);                                     // ΣG [C, H]
            headWeights.copy_((weightedMass / (reluMass + options.Epsilon) / options.Lambda).softmax(-1));
        }
        else
        {
            positive.mul_(attention);
            headWeights.fill_(1.0 / heads);
        }

        var fused = relevance.view(c, 1, cells);                                               // E_l [C, 1, N²]
        for (int b = 0; b < c; b++)
            fused[b].addmm_(headWeights[b].unsqueeze(0), byHead.narrow(0, b * heads, heads), beta: 0, alpha: 1);   // w_b G_b
        if (options.RowNormalize)
        {
            var rowSum = relevance.sum(-1, keepdim: true);                                     // [C, N, 1]
            // Rows summing to exactly 0 stay 0 (no ε): divide by 1 there.
            relevance.div_(rowSum.masked_fill_(rowSum.eq(0), 1));
        }

        var headSum = _headSum![..(int)c];                                                     // Σ_h g [C, N²]
        for (int b = 0; b < c; b++)
            headSum[b].unsqueeze(0).addmm_(_ones!, gradient[b].reshape(heads, cells), beta: 0, alpha: 1);
        gradientMass.copy_(headSum.abs_().mv(_region!));                                       // γ_l [C]
    }

    private void EnsureBuffers(long c, long heads, long n, ScalarType dtype, Device device)
    {
        if (_positive is not null && _positive.shape[0] >= c && _positive.shape[1] == heads && _positive.shape[^1] == n
            && _positive.dtype == dtype && _positive.device_type == device.type && _positive.device_index == device.index)
            return;
        Dispose();
        // Kept across calls (and the dispose scopes they run in) until this reducer is disposed.
        using var scope = NewDisposeScope();
        _positive = torch.empty(c, heads, n, n, dtype: dtype, device: device).DetachFromDisposeScope();
        _headSum = torch.empty(c, n * n, dtype: dtype, device: device).DetachFromDisposeScope();
        _ones = torch.ones(1, heads, dtype: dtype, device: device).DetachFromDisposeScope();
        var region = torch.ones(n, n, dtype: dtype, device: device);
        if (options.GradientRegion == GradientRegion.Causal) region.tril_();
        _region = region.reshape(n * n).DetachFromDisposeScope();
    }

    public void Dispose()
    {
        _positive?.Dispose();
        _headSum?.Dispose();
        _region?.Dispose();
        _ones?.Dispose();
        (_positive, _headSum, _region, _ones) = (null, null, null, null);
    }
}
