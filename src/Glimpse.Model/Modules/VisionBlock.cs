using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>
/// What a vision attention reads besides its input: rotary tables and segments (the Qwen towers), a recorder (CLIP),
/// an additive key mask [B, 1, 1, N] that hides padded patches (SigLIP with padded frames).
/// </summary>
public sealed record VisionAttentionInputs(Tensor? Cos = null, Tensor? Sin = null, VisionSegments? Segments = null, AttentionRecorder? Recorder = null,
    Tensor? KeyMask = null);

/// <summary>The self-attention of a vision transformer block.</summary>
public interface IVisionAttention
{
    Tensor Forward(Tensor x, VisionAttentionInputs inputs);
}

/// <summary>A position-wise feed-forward (<see cref="VisionMlp"/>, <see cref="GatedMlp"/>).</summary>
public interface IFeedForward
{
    Tensor Forward(Tensor x);
}

public enum NormKind
{
    /// <summary>weight and bias, mean and variance (CLIP, Qwen2-VL, Qwen3-VL).</summary>
    LayerNorm,
    /// <summary>weight only, root mean square (Qwen2.5-VL).</summary>
    RmsNorm,
}

/// <summary>LayerNorm or RMSNorm over the last axis, with the parameters under the checkpoint's names (weight, bias).</summary>
public sealed class VisionNorm : CheckpointModule
{
    private readonly NormKind _kind;
    private readonly long _dim;
    private readonly double _eps;

    public VisionNorm(NormKind kind, int dim, double eps) : base(nameof(VisionNorm))
    {
        (_kind, _dim, _eps) = (kind, dim, eps);
        register_parameter("weight", new Parameter(torch.ones(dim)));
        if (kind == NormKind.LayerNorm) register_parameter("bias", new Parameter(torch.zeros(dim)));
    }

    // Looked up each time: Module.to(dtype) replaces the registered tensors.
    public Tensor Forward(Tensor x) => _kind == NormKind.LayerNorm
        ? nn.functional.layer_norm(x, [_dim], get_parameter("weight"), get_parameter("bias"), _eps)
        : RmsNorm.Apply(x, get_parameter("weight")!, _eps);
}

/// <summary>Where a family's checkpoint keeps a block's four parts.</summary>
public sealed record VisionBlockNames(string Norm1, string Attention, string Norm2, string Mlp)
{
    public static VisionBlockNames Clip { get; } = new("layer_norm1", "self_attn", "layer_norm2", "mlp");
    public static VisionBlockNames Qwen { get; } = new("norm1", "attn", "norm2", "mlp");
    /// <summary>SigLIP (Idefics3 / SmolVLM) keeps CLIP's names.</summary>
    public static VisionBlockNames Siglip => Clip;
}

/// <summary>
/// The pre-norm vision transformer block every vision tower here is made of: x + attn(norm1(x)), then
/// x + mlp(norm2(x)). Families differ only in the norm, the attention, the feed-forward and the key names.
/// </summary>
public sealed class VisionBlock : CheckpointModule
{
    private readonly VisionNorm _norm1, _norm2;
    private readonly IVisionAttention _attention;
    private readonly IFeedForward _mlp;

    public VisionBlock(VisionBlockNames names, VisionNorm norm1, IVisionAttention attention, VisionNorm norm2, IFeedForward mlp)
        : base(nameof(VisionBlock))
    {
        (_norm1, _attention, _norm2, _mlp) = (norm1, attention, norm2, mlp);
        register_module(names.Norm1, norm1);
        register_module(names.Attention, (nn.Module)attention);
        register_module(names.Norm2, norm2);
        register_module(names.Mlp, (nn.Module)mlp);
    }

    /// <param name="x">[.., N, C]</param>
    public Tensor Forward(Tensor x, VisionAttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        x = x + _attention.Forward(_norm1.Forward(x), inputs);
        x = x + _mlp.Forward(_norm2.Forward(x));
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>Where a <see cref="PatchMerger"/>'s parameters live and where its norm sits.</summary>
public enum PatchMergerLayout
{
    /// <summary>Qwen2-VL, Qwen2.5-VL: <c>ln_q</c> over each patch row before the fold, then <c>mlp.0</c>, GELU, <c>mlp.2</c>.</summary>
    Qwen2,
    /// <summary>Qwen3-VL's main merger: <c>norm</c> over each patch row before the fold, then <c>linear_fc1</c>, GELU, <c>linear_fc2</c>.</summary>
    Qwen3,
    /// <summary>Qwen3-VL's DeepStack mergers: as <see cref="Qwen3"/>, but <c>norm</c> runs over the folded merge unit
    /// (merge²·width values) after the fold (<c>use_postshuffle_norm</c>).</summary>
    Qwen3PostShuffleNorm,
}

/// <summary>
/// The Qwen vision towers' merger: a norm, each merge × merge unit (merge² consecutive rows) folded into one row →
/// Linear → GELU (erf) → Linear to the language model's width. <see cref="PatchMergerLayout"/> says where the norm
/// sits and what the checkpoint calls the parts.
/// </summary>
public sealed class PatchMerger : CheckpointModule
{
    private readonly VisionNorm _norm;
    private readonly Linear _fc1, _fc2;
    private readonly int _foldedWidth;
    private readonly bool _normAfterFold;

    public PatchMerger(NormKind norm, int width, int mergeSize, int outputWidth, double eps, PatchMergerLayout layout = PatchMergerLayout.Qwen2)
        : base(nameof(PatchMerger))
    {
        _foldedWidth = width * mergeSize * mergeSize;
        _normAfterFold = layout == PatchMergerLayout.Qwen3PostShuffleNorm;
        _norm = new VisionNorm(norm, _normAfterFold ? _foldedWidth : width, eps);
        _fc1 = nn.Linear(_foldedWidth, _foldedWidth);
        _fc2 = nn.Linear(_foldedWidth, outputWidth);
        if (layout == PatchMergerLayout.Qwen2)
        {
            register_module("ln_q", _norm);
            // The checkpoint's nn.Sequential: the two Linear layers are its entries 0 and 2.
            register_module("mlp", nn.Sequential(("0", _fc1), ("1", nn.GELU()), ("2", _fc2)));
        }
        else
        {
            register_module("norm", _norm);
            register_module("linear_fc1", _fc1);
            register_module("linear_fc2", _fc2);
        }
    }

    /// <param name="x">[Np, C], each merge unit's rows consecutive</param>
    /// <returns>[Np / merge², out]</returns>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var folded = _normAfterFold
            ? _norm.Forward(x.view(-1, _foldedWidth))
            : _norm.Forward(x).view(-1, _foldedWidth);                                     // [Np / merge², merge²·C]
        return _fc2.forward(nn.functional.gelu(_fc1.forward(folded))).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Multi-head self-attention over all tokens with separate biased q, k, v and out projections (CLIP's and SigLIP's
/// <c>self_attn</c>): no mask but an optional additive key mask, scale head_dim^−0.5.
/// </summary>
public sealed class ProjectedVisionAttention : CheckpointModule, IVisionAttention
{
    private readonly Linear _q, _k, _v, _out;
    private readonly int _heads;

    public ProjectedVisionAttention(int hidden, int heads) : base(nameof(ProjectedVisionAttention))
    {
        _heads = heads;
        _q = nn.Linear(hidden, hidden);
        _k = nn.Linear(hidden, hidden);
        _v = nn.Linear(hidden, hidden);
        _out = nn.Linear(hidden, hidden);
        register_module("q_proj", _q);
        register_module("k_proj", _k);
        register_module("v_proj", _v);
        register_module("out_proj", _out);
    }

    /// <param name="x">[B, N, C]</param>
    public Tensor Forward(Tensor x, VisionAttentionInputs inputs)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2], d = c / _heads;
        Tensor Heads(Linear proj) => proj.forward(x).view(b, n, _heads, d).transpose(1, 2);   // [B, H, N, d]
        var attended = AttentionKernel.Attend(Heads(_q), Heads(_k), Heads(_v), causal: false, inputs.Recorder, inputs.KeyMask);
        return _out.forward(attended.transpose(1, 2).reshape(b, n, c)).MoveToOuterDisposeScope();
    }
}
