using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Families.Llava;

/// <summary>
/// LLaVA-1.5: CLIP vision transformer → hidden state <c>vision_feature_layer</c> (CLS dropped for "default") →
/// two-layer projector → written into the image-token rows of a Llama decoder. Plain 1-D positions.
/// </summary>
public sealed class LlavaModel : VisionLanguageModel
{
    private readonly ClipVisionTower _visionTower;
    private readonly LlavaProjector _projector;
    private readonly LlavaConfig _config;

    public LlavaModel(LlavaConfig config) : base(nameof(LlavaModel), config)
    {
        _config = config;
        _visionTower = new ClipVisionTower(config.Vision);
        int featureWidth = config.Vision.HiddenSize * config.VisionFeatureLayers.Length;
        _projector = new LlavaProjector(featureWidth, config.Text.HiddenSize, config.ProjectorHiddenAct, config.ProjectorBias);
        register_module("vision_tower", _visionTower);
        register_module("multi_modal_projector", _projector);
        RegisterLanguageModel();
    }

    public ClipVisionTower VisionTower => _visionTower;

    /// <summary>Number of image tokens one image becomes.</summary>
    public int ImageTokenCount => _config.Vision.PatchesPerSide * _config.Vision.PatchesPerSide
                                  + (_config.VisionFeatureSelectStrategy == "full" ? 1 : 0);

    /// <summary>The vision features before the projector: [B, K, C·layers] for pixels [B, C, H, W].</summary>
    public Tensor SelectedVisionFeatures(Tensor pixelValues) =>
        _visionTower.SelectedFeatures(pixelValues, _config.VisionFeatureLayers, dropCls: _config.VisionFeatureSelectStrategy == "default");

    public override Tensor EncodeImage(ImageInput image)
    {
        using var scope = NewDisposeScope();
        return EncodeImages([image])[0].MoveToOuterDisposeScope();                             // [K, D]
    }

    /// <summary>One pass of the vision tower and projector over all the images: [B, K, D].</summary>
    public override Tensor EncodeImages(IReadOnlyList<ImageInput> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("No images to encode.", nameof(images));
        using var scope = NewDisposeScope();
        foreach (var image in images) CheckPixels(image.PixelValues, batchSize: 1);
        var batch = torch.cat(images.Select(i => i.PixelValues).ToArray(), 0);                // [B, C, H, W]
        return EncodeImages(batch).MoveToOuterDisposeScope();                                 // [B, K, D]
    }

    /// <summary>The same for pixels already stacked, [B, C, H, W] → [B, K, D]; training feeds whole batches this way.</summary>
    public Tensor EncodeImages(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        CheckPixels(pixelValues, batchSize: null);
        var features = SelectedVisionFeatures(pixelValues.to(DType, Device));                // [B, K, C·layers]
        return _projector.Forward(features).MoveToOuterDisposeScope();                       // [B, K, D]
    }

    /// <summary>Checked here, because a wrong size would otherwise fail inside libtorch's convolution, which aborts the process.</summary>
    private void CheckPixels(Tensor pixels, int? batchSize)
    {
        int size = _config.Vision.ImageSize, channels = _config.Vision.NumChannels;
        if (pixels.dim() != 4 || (batchSize is { } b && pixels.shape[0] != b) || pixels.shape[1] != channels || pixels.shape[2] != size || pixels.shape[3] != size)
            throw new ArgumentException(
                $"LLaVA expects pixel_values [{batchSize?.ToString() ?? "B"}, {channels}, {size}, {size}], got [{string.Join(", ", pixels.shape)}].");
    }

    public override (Tensor Positions, long Delta) PositionIds(long[] ids, ImageInput? image) =>
        (torch.arange(ids.Length, dtype: int64, device: Device).view(1, 1, -1), 0);
}

/// <summary>linear_1 → act → linear_2, from vision width to text width.</summary>
public sealed class LlavaProjector : CheckpointModule
{
    private readonly Linear _linear1, _linear2;
    private readonly Func<Tensor, Tensor> _act;

    public LlavaProjector(int visionWidth, int textWidth, string act, bool bias) : base(nameof(LlavaProjector))
    {
        _linear1 = nn.Linear(visionWidth, textWidth, bias);
        _linear2 = nn.Linear(textWidth, textWidth, bias);
        _act = Activations.Get(act);
        register_module("linear_1", _linear1);
        register_module("linear_2", _linear2);
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return _linear2.forward(_act(_linear1.forward(x))).MoveToOuterDisposeScope();
    }
}

/// <summary>CLIP's vision transformer (<c>vision_tower.vision_model</c>): patch + class + position embeddings,
/// pre-LayerNorm, pre-LN encoder layers. <c>post_layernorm</c> is loaded but LLaVA never applies it.</summary>
public sealed class ClipVisionTower : CheckpointModule
{
    private readonly ClipVisionModel _visionModel;
    private readonly int _numLayers;

    public ClipVisionTower(ClipVisionConfig config) : base(nameof(ClipVisionTower))
    {
        _numLayers = config.NumLayers;
        _visionModel = new ClipVisionModel(config);
        register_module("vision_model", _visionModel);
    }

    /// <summary>
    /// The hidden states <paramref name="featureLayers"/> (LLaVA's <c>vision_feature_layer</c>, negatives counted from
    /// the end of the L+1 states) concatenated: [B, 1 + P, C·layers], or [B, P, C·layers] without the CLS row.
    /// </summary>
    public Tensor SelectedFeatures(Tensor pixels, int[] featureLayers, bool dropCls)
    {
        using var scope = NewDisposeScope();
        // hidden_states has L+1 entries (embeddings, then each layer); index -2 is layer L−2's output, so the
        // encoder only needs to run as deep as the deepest layer selected.
        var indices = featureLayers.Select(i => i < 0 ? _numLayers + 1 + i : i).ToArray();
        if (indices.Any(i => i < 0 || i > _numLayers))
            throw new ModelLoadException($"vision_feature_layer [{string.Join(", ", featureLayers)}] is out of range for {_numLayers} CLIP layers.");
        var states = new List<Tensor>();
        Forward(pixels, states, upToLayer: indices.Max());
        var selected = torch.cat(indices.Select(i => states[i]).ToArray(), -1);             // [B, 1 + P, C·layers]
        foreach (var s in states) s.Dispose();
        if (dropCls) selected = selected[.., 1..];
        return selected.MoveToOuterDisposeScope();
    }

    /// <param name="pixels">[B, C, H, W]</param>
    /// <param name="hiddenStates">receives the embeddings after pre_layrnorm, then each layer's output, up to <paramref name="upToLayer"/></param>
    public void Forward(Tensor pixels, List<Tensor> hiddenStates, int upToLayer, AttentionRecorder? recorder = null) =>
        _visionModel.Forward(pixels, hiddenStates, upToLayer, recorder);

    private sealed class ClipVisionModel : CheckpointModule
    {
        private readonly ClipEmbeddings _embeddings;
        private readonly LayerNorm _preLayerNorm, _postLayerNorm;
        private readonly ClipEncoder _encoder;

        public ClipVisionModel(ClipVisionConfig c) : base(nameof(ClipVisionModel))
        {
            _embeddings = new ClipEmbeddings(c);
            _preLayerNorm = nn.LayerNorm(c.HiddenSize, c.LayerNormEps);
            _encoder = new ClipEncoder(c);
            _postLayerNorm = nn.LayerNorm(c.HiddenSize, c.LayerNormEps);
            register_module("embeddings", _embeddings);
            register_module("pre_layrnorm", _preLayerNorm);   // sic: the checkpoint key has this spelling
            register_module("encoder", _encoder);
            register_module("post_layernorm", _postLayerNorm);
        }

        public void Forward(Tensor pixels, List<Tensor> hiddenStates, int upToLayer, AttentionRecorder? recorder)
        {
            using var scope = NewDisposeScope();
            var h = _preLayerNorm.forward(_embeddings.Forward(pixels));
            hiddenStates.Add(h.alias().DetachFromDisposeScope());
            _encoder.Forward(h, hiddenStates, upToLayer, recorder);
        }
    }

    private sealed class ClipEmbeddings : CheckpointModule
    {
        private readonly Conv2d _patchEmbedding;
        private readonly Embedding _positionEmbedding;

        public ClipEmbeddings(ClipVisionConfig c) : base(nameof(ClipEmbeddings))
        {
            _patchEmbedding = nn.Conv2d(c.NumChannels, c.HiddenSize, c.PatchSize, stride: c.PatchSize, bias: false);
            _positionEmbedding = nn.Embedding(c.PatchesPerSide * c.PatchesPerSide + 1, c.HiddenSize);
            register_parameter("class_embedding", new Parameter(torch.zeros(c.HiddenSize)));
            register_module("patch_embedding", _patchEmbedding);
            register_module("position_embedding", _positionEmbedding);
        }

        /// <returns>[B, 1 + P, C]: CLS, then the patches in row-major order, plus position embeddings.</returns>
        public Tensor Forward(Tensor pixels)
        {
            using var scope = NewDisposeScope();
            long b = pixels.shape[0];
            var patches = _patchEmbedding.forward(pixels).flatten(2).transpose(1, 2);          // [B, P, C]
            // Looked up each time: Module.to(dtype) replaces the registered tensor.
            var cls = get_parameter("class_embedding")!.view(1, 1, -1).expand(b, 1, -1);
            var tokens = torch.cat([cls, patches], 1);
            return (tokens + _positionEmbedding.weight!.unsqueeze(0)).MoveToOuterDisposeScope();
        }
    }

    private sealed class ClipEncoder : CheckpointModule
    {
        private readonly ModuleList<VisionBlock> _layers;

        public ClipEncoder(ClipVisionConfig c) : base(nameof(ClipEncoder))
        {
            _layers = nn.ModuleList(Enumerable.Range(0, c.NumLayers).Select(_ => new VisionBlock(VisionBlockNames.Clip,
                new VisionNorm(NormKind.LayerNorm, c.HiddenSize, c.LayerNormEps),
                new ProjectedVisionAttention(c.HiddenSize, c.NumHeads),
                new VisionNorm(NormKind.LayerNorm, c.HiddenSize, c.LayerNormEps),
                new VisionMlp(c.HiddenSize, c.IntermediateSize, c.HiddenAct))).ToArray());
            register_module("layers", _layers);
        }

        public void Forward(Tensor h, List<Tensor> hiddenStates, int upToLayer, AttentionRecorder? recorder)
        {
            using var scope = NewDisposeScope();
            for (int i = 0; i < upToLayer; i++)
            {
                h = _layers[i].Forward(h, new VisionAttentionInputs(Recorder: recorder));
                hiddenStates.Add(h.alias().DetachFromDisposeScope());
            }
        }
    }
}
