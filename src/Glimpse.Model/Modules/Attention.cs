using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>
/// Collects attention probabilities (post-softmax, [B, H, Nq, Nk], one tensor per layer, in layer order) while a
/// forward runs. Its presence selects the explicit ("eager") attention path; the tensors stay in the autograd graph
/// when the forward is tracked, so gradients can be taken with respect to them. The recorder owns the tensors.
/// </summary>
/// <remarks>
/// With <see cref="TapGradients"/>, each probability tensor passes through an identity autograd function whose
/// backward hands the gradient arriving at that layer to <see cref="GradientSink"/> the moment it exists — the
/// deepest layer first — so a caller can reduce it at once instead of holding every layer's gradient.
/// </remarks>
public sealed class AttentionRecorder(bool tapGradients = false) : IDisposable
{
    private readonly List<Tensor> _probabilities = [];
    public IReadOnlyList<Tensor> Probabilities => _probabilities;
    public bool TapGradients { get; } = tapGradients;
    /// <summary>Receives (layer, ∂target/∂A_layer) during a backward through tapped probabilities.</summary>
    public Action<int, Tensor>? GradientSink { get; set; }

    /// <summary>
    /// The first exception the sink threw during a backward. An exception must not cross the native autograd engine
    /// (it would end the process), so it is kept here and rethrown by whoever ran the backward.
    /// </summary>
    public System.Runtime.ExceptionServices.ExceptionDispatchInfo? SinkFailure { get; set; }

    /// <summary>Keeps the probabilities; returns the tensor the rest of the forward must use.</summary>
    internal Tensor Record(Tensor probabilities)
    {
        // The very tensor the forward uses, so that gradients can be taken with respect to it.
        _probabilities.Add(probabilities.DetachFromDisposeScope());
        return TapGradients && probabilities.requires_grad
            ? GradientTap.apply(probabilities, this, _probabilities.Count - 1)
            : probabilities;
    }

    public void Dispose()
    {
        foreach (var p in _probabilities) p.Dispose();
        _probabilities.Clear();
    }

    /// <summary>Identity forward; the backward reports the incoming gradient and passes it on unchanged.</summary>
    private sealed class GradientTap : torch.autograd.SingleTensorFunction<GradientTap>
    {
        public override string Name => nameof(GradientTap);

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_data("recorder", vars[1]);
            ctx.save_data("layer", vars[2]);
            return ((Tensor)vars[0]).alias();
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var recorder = (AttentionRecorder)ctx.get_data("recorder");
            if (recorder.SinkFailure is null)
            {
                try
                {
                    recorder.GradientSink?.Invoke((int)ctx.get_data("layer"), gradOutput);
                }
                catch (Exception e)
                {
                    recorder.SinkFailure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
                }
            }
            return [gradOutput, null!, null!];   // one entry per forward argument; the recorder and layer index have none
        }
    }
}

/// <summary>Scaled dot-product attention, explicit or fused, shared by every attention module.</summary>
public static class AttentionKernel
{
    /// <param name="q">[B, H, Nq, d]</param>
    /// <param name="k">[B, H, Nk, d] (key/value heads already repeated to H)</param>
    /// <param name="v">[B, H, Nk, d]</param>
    /// <param name="causal">mask key j for query i when j &gt; i + (Nk − Nq)</param>
    /// <param name="recorder">when given, run the explicit path and record the probabilities</param>
    /// <param name="additiveMask">added to the scores, broadcast to [B, H, Nq, Nk] (padded keys hold the dtype's
    /// minimum); only with <paramref name="causal"/> off</param>
    /// <returns>[B, H, Nq, d]</returns>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, bool causal, AttentionRecorder? recorder, Tensor? additiveMask = null)
    {
        using var scope = NewDisposeScope();
        long nq = q.shape[2], nk = k.shape[2];
        if (additiveMask is not null)
        {
            if (causal) throw new ArgumentException("an additive mask is only supported for non-causal attention", nameof(additiveMask));
            if (recorder is null)
                return torch.nn.functional.scaled_dot_product_attention(q, k, v, additiveMask.to(q.dtype)).MoveToOuterDisposeScope();
            var masked = q.matmul(k.transpose(-1, -2)) * (1.0 / Math.Sqrt(q.shape[^1])) + additiveMask.to(q.dtype);
            var maskedProbs = recorder.Record(torch.nn.functional.softmax(masked, -1, float32).to(KeptDType(q.dtype)));
            return maskedProbs.to(q.dtype).matmul(v).MoveToOuterDisposeScope();
        }
        if (recorder is null)
        {
            // Fused kernel; no probabilities exist. A single new query (decoding) sees every cached key.
            bool needsMask = causal && nq > 1;
            if (needsMask && nq != nk)
                return torch.nn.functional.scaled_dot_product_attention(q, k, v, CausalMask(nq, nk, q.dtype, q.device))
                    .MoveToOuterDisposeScope();
            return torch.nn.functional.scaled_dot_product_attention(q, k, v, is_casual: needsMask).MoveToOuterDisposeScope();
        }

        var scores = q.matmul(k.transpose(-1, -2)) * (1.0 / Math.Sqrt(q.shape[^1]));   // [B, H, Nq, Nk]
        if (causal && nq > 1) scores = scores + CausalMask(nq, nk, scores.dtype, scores.device);
        // Softmax in float32 (as Hugging Face does); masked entries come out exactly 0.
        var probs = recorder.Record(torch.nn.functional.softmax(scores, -1, float32).to(KeptDType(q.dtype)));   // [B, H, Nq, Nk]
        // A 16-bit model multiplies the probabilities rounded to its dtype (the forward is Hugging Face's in that dtype);
        // the kept float32 tensor is the one gradients arrive at, so they too are float32 there.
        return probs.to(q.dtype).matmul(v).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The dtype recorded probabilities are kept in: float32 for a float32 or 16-bit model (mixed precision: explainers
    /// read these tensors and their gradients, and bfloat16 rounding is visible in the maps), float64 for a float64 one.
    /// </summary>
    public static ScalarType KeptDType(ScalarType modelDType) => modelDType == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;

    /// <summary>Additive mask [Nq, Nk]: the dtype's minimum above the shifted diagonal, 0 elsewhere.</summary>
    private static Tensor CausalMask(long nq, long nk, ScalarType dtype, Device device) =>
        torch.full(nq, nk, MaskValue(dtype), dtype, device).triu(nk - nq + 1);

    /// <summary>The value a masked score gets: the dtype's minimum, as Hugging Face uses.</summary>
    public static double MaskValue(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        ScalarType.Float64 => double.MinValue,
        _ => float.MinValue,
    };

    /// <summary>[B, KV, N, d] → [B, KV·rep, N, d]; query head h reads key/value head h / rep.</summary>
    public static Tensor RepeatKv(Tensor x, int rep) => rep == 1
        ? x.alias()
        : x.unsqueeze(2).expand(x.shape[0], x.shape[1], rep, x.shape[2], x.shape[3]).reshape(x.shape[0], x.shape[1] * rep, x.shape[2], x.shape[3]);
}

/// <summary>
/// Grouped-query self-attention of a causal decoder with rotary positions (Llama, Qwen2, Qwen3). With
/// <c>qkNormEps</c> (Qwen3) every query and key head is RMS-normalised over head_dim (<c>q_norm</c>, <c>k_norm</c>)
/// before the rotary.
/// </summary>
public sealed class DecoderAttention : CheckpointModule
{
    private readonly Linear _q, _k, _v, _o;
    private readonly RmsNorm? _qNorm, _kNorm;
    private readonly int _heads, _kvHeads, _headDim;

    public DecoderAttention(int hidden, int heads, int kvHeads, int headDim, bool qkvBias, bool outputBias, double? qkNormEps = null)
        : base(nameof(DecoderAttention))
    {
        (_heads, _kvHeads, _headDim) = (heads, kvHeads, headDim);
        _q = nn.Linear(hidden, heads * headDim, qkvBias);
        _k = nn.Linear(hidden, kvHeads * headDim, qkvBias);
        _v = nn.Linear(hidden, kvHeads * headDim, qkvBias);
        _o = nn.Linear(heads * headDim, hidden, outputBias);
        register_module("q_proj", _q);
        register_module("k_proj", _k);
        register_module("v_proj", _v);
        register_module("o_proj", _o);
        if (qkNormEps is { } eps)
        {
            _qNorm = new RmsNorm(headDim, eps);
            _kNorm = new RmsNorm(headDim, eps);
            register_module("q_norm", _qNorm);
            register_module("k_norm", _kNorm);
        }
    }

    /// <param name="x">[B, N, D]</param>
    /// <param name="cos">[B, 1, N, d]</param>
    /// <param name="sin">[B, 1, N, d]</param>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, KvCache? cache, int layer, AttentionRecorder? recorder)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1];
        var q = _q.forward(x).view(b, n, _heads, _headDim);                      // [B, N, H, d]
        var k = _k.forward(x).view(b, n, _kvHeads, _headDim);                    // [B, N, KV, d]
        if (_qNorm is not null) q = _qNorm.Forward(q);
        if (_kNorm is not null) k = _kNorm.Forward(k);
        q = q.transpose(1, 2);                                                   // [B, H, N, d]
        k = k.transpose(1, 2);                                                   // [B, KV, N, d]
        var v = _v.forward(x).view(b, n, _kvHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (cache is not null) (k, v) = cache.Append(layer, k, v);               // [B, KV, past + N, d]
        int rep = _heads / _kvHeads;
        var attended = AttentionKernel.Attend(q, AttentionKernel.RepeatKv(k, rep), AttentionKernel.RepeatKv(v, rep), causal: true, recorder);
        return _o.forward(attended.transpose(1, 2).reshape(b, n, _heads * _headDim)).MoveToOuterDisposeScope();
    }
}
