using Glimpse.Model.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>One pre-norm decoder block: h + attn(norm(h)), then h + mlp(norm(h)).</summary>
public sealed class DecoderLayer : CheckpointModule
{
    private readonly RmsNorm _inputNorm, _postAttentionNorm;
    private readonly DecoderAttention _attention;
    private readonly GatedMlp _mlp;

    public DecoderLayer(TextDecoderConfig c) : base(nameof(DecoderLayer))
    {
        _inputNorm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        _attention = new DecoderAttention(c.HiddenSize, c.NumHeads, c.NumKeyValueHeads, c.HeadDim, c.QkvBias, c.OutputBias,
            c.QkNorm ? c.RmsNormEps : null);
        _postAttentionNorm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        _mlp = new GatedMlp(c.HiddenSize, c.IntermediateSize, c.MlpBias, c.HiddenAct);
        register_module("input_layernorm", _inputNorm);
        register_module("self_attn", _attention);
        register_module("post_attention_layernorm", _postAttentionNorm);
        register_module("mlp", _mlp);
    }

    public Tensor Forward(Tensor h, Tensor cos, Tensor sin, KvCache? cache, int layer, AttentionRecorder? recorder)
    {
        using var scope = NewDisposeScope();
        h = h + _attention.Forward(_inputNorm.Forward(h), cos, sin, cache, layer, recorder);
        h = h + _mlp.Forward(_postAttentionNorm.Forward(h));
        return h.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The language model of a vision-language checkpoint (LlamaModel / Qwen2Model / Qwen3-VL's text model): token
/// embeddings, decoder layers, final RMSNorm. It takes embeddings rather than ids, because image features are written
/// into them first, and optionally <see cref="LayerAdditions"/> that change given rows after given layers (DeepStack).
/// </summary>
public sealed class TextDecoder : CheckpointModule
{
    private readonly Embedding _embedTokens;
    private readonly ModuleList<DecoderLayer> _layers;
    private readonly RmsNorm _norm;
    private readonly RotaryEmbedding _rotary;

    public TextDecoderConfig Config { get; }

    public TextDecoder(TextDecoderConfig c) : base(nameof(TextDecoder))
    {
        Config = c;
        _embedTokens = nn.Embedding(c.VocabSize, c.HiddenSize);
        _layers = nn.ModuleList(Enumerable.Range(0, c.NumLayers).Select(_ => new DecoderLayer(c)).ToArray());
        _norm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        _rotary = new RotaryEmbedding(c.HeadDim, c.RopeTheta, c.MropeSection, c.MropeLayout);
        register_module("embed_tokens", _embedTokens);
        register_module("layers", _layers);
        register_module("norm", _norm);
    }

    public Parameter EmbeddingWeight => _embedTokens.weight!;

    /// <summary>Number of position axes the rotary embedding reads: 1, or 3 for M-RoPE.</summary>
    public int PositionAxes => _rotary.Axes;

    /// <param name="ids">[B, N]</param>
    /// <returns>[B, N, D]</returns>
    public Tensor Embed(Tensor ids) => _embedTokens.forward(ids);

    /// <param name="embeddings">[B, N, D]</param>
    /// <param name="positions">[axes, B, N]</param>
    /// <param name="hiddenStates">when given, receives the input of every layer and finally the normed output (L+1 tensors);
    /// a layer's input includes the additions made after the layer before it</param>
    /// <param name="additions">added to the hidden states after the first layers, at the given rows of this call's
    /// sequence: for a prompt that holds them, never for tokens decoded after it</param>
    /// <returns>the final normed hidden states [B, N, D]</returns>
    public Tensor Forward(Tensor embeddings, Tensor positions, KvCache? cache = null, AttentionRecorder? recorder = null,
        List<Tensor>? hiddenStates = null, LayerAdditions? additions = null)
    {
        using var scope = NewDisposeScope();
        if (additions is not null && additions.Layers > _layers.Count)
            throw new ArgumentException($"{additions.Layers} layers of additions for a decoder of {_layers.Count} layers.", nameof(additions));
        var (cos, sin) = _rotary.Tables(positions, embeddings.dtype);
        var h = embeddings;
        for (int i = 0; i < _layers.Count; i++)
        {
            hiddenStates?.Add(h.alias().DetachFromDisposeScope());
            h = _layers[i].Forward(h, cos, sin, cache, i, recorder);
            if (additions is not null && i < additions.Layers) h = additions.AddAfterLayer(i, h);
        }
        var output = _norm.Forward(h);
        hiddenStates?.Add(output.alias().DetachFromDisposeScope());
        return output.MoveToOuterDisposeScope();
    }
}
