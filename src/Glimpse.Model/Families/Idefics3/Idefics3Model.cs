using Glimpse.Model.Architectures;
using Glimpse.Model.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Families.Idefics3;

/// <summary>
/// Idefics3 / SmolVLM: a SigLIP-style vision transformer reads each frame (the tiles, then the global image) →
/// post_layernorm → pixel shuffle (scale × scale patches into one token) → a linear modality projection → the
/// frames' tokens, frame by frame, are written into the <c>&lt;image&gt;</c> rows of a Llama decoder. Plain 1-D positions.
/// </summary>
public sealed class Idefics3Model : VisionLanguageModel
{
    private readonly Idefics3VisionTransformer _visionModel;
    private readonly Idefics3Connector _connector;
    private readonly Idefics3Config _config;

    public Idefics3Model(Idefics3Config config) : base(nameof(Idefics3Model), config)
    {
        _config = config;
        _visionModel = new Idefics3VisionTransformer(config.Vision);
        _connector = new Idefics3Connector(config.Vision.HiddenSize, config.ScaleFactor, config.Text.HiddenSize);
        register_module("vision_model", _visionModel);
        register_module("connector", _connector);
        RegisterLanguageModel();
    }

    public Idefics3VisionTransformer VisionModel => _visionModel;
    public Idefics3Connector Connector => _connector;

    /// <summary>Image features of one processed image: pixels [frames, 3, M, M] → [frames · tokens per frame, D].</summary>
    public override Tensor EncodeImage(ImageInput image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var scope = NewDisposeScope();
        var perFrame = EncodeFrames(image.PixelValues);                                       // [F, n, D]
        return perFrame.reshape(-1, perFrame.shape[^1]).MoveToOuterDisposeScope();             // [F·n, D]
    }

    /// <summary>
    /// The connector output of each real frame, as the model computes it for a padded batch of frames:
    /// frames whose pixels are all exactly 0 (padding frames) are dropped; a patch is valid when any of its pixels is
    /// (<paramref name="pixelAttentionMask"/> [F, M, M], 1 = real pixel; null = all real).
    /// </summary>
    /// <param name="pixelValues">[F, 3, M, M]</param>
    /// <returns>[real frames, tokens per frame, D]</returns>
    public Tensor EncodeFrames(Tensor pixelValues, Tensor? pixelAttentionMask = null, VisionTrace? trace = null)
    {
        using var scope = NewDisposeScope();
        CheckPixels(pixelValues);
        var pixels = pixelValues.to(DType, Device);
        var realFrames = RealFrames(pixels);                                                  // [F] bool
        pixels = pixels[realFrames];
        Tensor? patchMask = null;
        if (pixelAttentionMask is not null)
        {
            var mask = pixelAttentionMask.to(Device)[realFrames];
            patchMask = PatchMask(mask, _config.Vision.PatchSize);                            // [F', gh, gw]
        }
        var hidden = _visionModel.Forward(pixels, patchMask, trace);                          // [F', P, C]
        return _connector.Forward(hidden, trace).MoveToOuterDisposeScope();                   // [F', n, D]
    }

    /// <summary>Frames that are not all zeros (the processor's padding frames are): [F] bool; the first is kept when none is.</summary>
    public static Tensor RealFrames(Tensor pixelValues)
    {
        var real = pixelValues.ne(0).flatten(1).any(1);
        if (!real.any().item<bool>()) real[0] = true;
        return real;
    }

    /// <summary>A patch is valid when at least one of its pixels is: [F, M, M] → [F, M/p, M/p] bool.</summary>
    public static Tensor PatchMask(Tensor pixelAttentionMask, int patch)
    {
        using var scope = NewDisposeScope();
        long f = pixelAttentionMask.shape[0], h = pixelAttentionMask.shape[1] / patch, w = pixelAttentionMask.shape[2] / patch;
        return (pixelAttentionMask.to(int64).view(f, h, patch, w, patch).sum([2, 4]) > 0).MoveToOuterDisposeScope();
    }

    /// <summary>Checked here, because a wrong size would otherwise fail inside libtorch's convolution, which aborts the process.</summary>
    private void CheckPixels(Tensor pixels)
    {
        int channels = _config.Vision.NumChannels, patch = _config.Vision.PatchSize * _config.ScaleFactor;
        if (pixels.dim() != 4 || pixels.shape[1] != channels || pixels.shape[2] != pixels.shape[3] || pixels.shape[2] % patch != 0 || pixels.shape[2] == 0)
            throw new ArgumentException(
                $"Idefics3 expects pixel_values [frames, {channels}, M, M] with M a multiple of patch × scale_factor = {patch}, got [{string.Join(", ", pixels.shape)}]. " +
                "Several images or a video in one prompt are not supported.");
    }

    public override (Tensor Positions, long Delta) PositionIds(long[] ids, ImageInput? image) =>
        (torch.arange(ids.Length, dtype: int64, device: Device).view(1, 1, -1), 0);
}

/// <summary>What the vision side computed, for tests and diagnostics; each list owns its tensors.</summary>
public sealed class VisionTrace : IDisposable
{
    /// <summary>[F, P] the position-table row of each patch.</summary>
    public Tensor? PositionIds { get; set; }
    /// <summary>Embeddings, then each encoder layer's raw output (the last before post_layernorm).</summary>
    public List<Tensor> HiddenStates { get; } = [];
    /// <summary>post_layernorm(last layer): the connector's input.</summary>
    public Tensor? LastHiddenState { get; set; }
    /// <summary>The pixel shuffle, before the projection.</summary>
    public Tensor? PixelShuffle { get; set; }
    /// <summary>Each encoder layer's attention probabilities [F, H, P, P].</summary>
    public AttentionRecorder Attentions { get; } = new();

    public void Dispose()
    {
        PositionIds?.Dispose();
        foreach (var h in HiddenStates) h.Dispose();
        LastHiddenState?.Dispose();
        PixelShuffle?.Dispose();
        Attentions.Dispose();
    }
}

/// <summary>
/// Idefics3's vision transformer (<c>vision_model</c>): patch embedding (Conv2d with bias), learned position
/// embeddings addressed by NaViT bucketed positions, pre-LN SigLIP encoder layers without a causal mask,
/// post_layernorm. Padded patches' keys are masked; they still produce outputs.
/// </summary>
public sealed class Idefics3VisionTransformer : CheckpointModule
{
    private readonly Idefics3VisionEmbeddings _embeddings;
    private readonly Idefics3VisionEncoder _encoder;
    private readonly VisionNorm _postLayerNorm;

    public Idefics3VisionTransformer(Idefics3VisionConfig c) : base(nameof(Idefics3VisionTransformer))
    {
        _embeddings = new Idefics3VisionEmbeddings(c);
        _encoder = new Idefics3VisionEncoder(c);
        _postLayerNorm = new VisionNorm(NormKind.LayerNorm, c.HiddenSize, c.LayerNormEps);
        register_module("embeddings", _embeddings);
        register_module("encoder", _encoder);
        register_module("post_layernorm", _postLayerNorm);
    }

    /// <param name="pixels">[F, C, M, M]</param>
    /// <param name="patchMask">[F, M/p, M/p] bool, true = valid patch; null = all valid</param>
    /// <returns>post_layernorm(last hidden state) [F, P, C]</returns>
    public Tensor Forward(Tensor pixels, Tensor? patchMask, VisionTrace? trace = null)
    {
        using var scope = NewDisposeScope();
        long f = pixels.shape[0];
        var h = _embeddings.Forward(pixels, patchMask, trace);                               // [F, P, C]
        Tensor? keyMask = null;
        if (patchMask is not null)
        {
            // Padded keys get the dtype's minimum added: [F, 1, 1, P].
            var valid = patchMask.reshape(f, 1, 1, -1);
            keyMask = torch.zeros(valid.shape, h.dtype, h.device).masked_fill(~valid, AttentionKernel.MaskValue(h.dtype));
        }
        trace?.HiddenStates.Add(h.detach().clone().DetachFromDisposeScope());
        h = _encoder.Forward(h, keyMask, trace);
        var output = _postLayerNorm.Forward(h);
        if (trace is not null) trace.LastHiddenState = output.detach().clone().DetachFromDisposeScope();
        return output.MoveToOuterDisposeScope();
    }

    private sealed class Idefics3VisionEncoder : CheckpointModule
    {
        private readonly ModuleList<VisionBlock> _layers;

        public Idefics3VisionEncoder(Idefics3VisionConfig c) : base(nameof(Idefics3VisionEncoder))
        {
            _layers = nn.ModuleList(Enumerable.Range(0, c.NumLayers).Select(_ => new VisionBlock(VisionBlockNames.Siglip,
                new VisionNorm(NormKind.LayerNorm, c.HiddenSize, c.LayerNormEps),
                new ProjectedVisionAttention(c.HiddenSize, c.NumHeads),
                new VisionNorm(NormKind.LayerNorm, c.HiddenSize, c.LayerNormEps),
                new VisionMlp(c.HiddenSize, c.IntermediateSize, c.HiddenAct))).ToArray());
            register_module("layers", _layers);
        }

        public Tensor Forward(Tensor h, Tensor? keyMask, VisionTrace? trace)
        {
            using var scope = NewDisposeScope();
            var inputs = new VisionAttentionInputs(Recorder: trace?.Attentions, KeyMask: keyMask);
            foreach (var layer in _layers)
            {
                h = layer.Forward(h, inputs);
                trace?.HiddenStates.Add(h.detach().clone().DetachFromDisposeScope());
            }
            return h.MoveToOuterDisposeScope();
        }
    }
}

/// <summary>Patch embedding (Conv2d, kernel = stride = patch, with bias) plus the position embedding of each patch's bucket.</summary>
public sealed class Idefics3VisionEmbeddings : CheckpointModule
{
    private readonly Conv2d _patchEmbedding;
    private readonly Embedding _positionEmbedding;
    private readonly int _patch, _positionsPerSide;

    public Idefics3VisionEmbeddings(Idefics3VisionConfig c) : base(nameof(Idefics3VisionEmbeddings))
    {
        (_patch, _positionsPerSide) = (c.PatchSize, c.PositionsPerSide);
        _patchEmbedding = nn.Conv2d(c.NumChannels, c.HiddenSize, c.PatchSize, stride: c.PatchSize, bias: true);
        _positionEmbedding = nn.Embedding(c.PositionsPerSide * c.PositionsPerSide, c.HiddenSize);
        register_module("patch_embedding", _patchEmbedding);
        register_module("position_embedding", _positionEmbedding);
    }

    /// <param name="pixels">[F, C, M, M]</param>
    /// <param name="patchMask">[F, M/p, M/p] bool or null</param>
    /// <returns>[F, P, C]: patches row-major plus their position embeddings</returns>
    public Tensor Forward(Tensor pixels, Tensor? patchMask, VisionTrace? trace)
    {
        using var scope = NewDisposeScope();
        var patches = _patchEmbedding.forward(pixels).flatten(2).transpose(1, 2);             // [F, P, C]
        long f = pixels.shape[0], gh = pixels.shape[2] / _patch, gw = pixels.shape[3] / _patch;
        var mask = patchMask ?? torch.ones(f, gh, gw, dtype: ScalarType.Bool, device: pixels.device);
        var positions = PositionIds(mask, _positionsPerSide);                                 // [F, P]
        if (trace is not null) trace.PositionIds = positions.clone().DetachFromDisposeScope();
        return (patches + _positionEmbedding.forward(positions)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// NaViT positions, as Hugging Face computes them: for a frame with nb_h × nb_w valid patches, the fractional
    /// coordinates arange(0, 1 − 1e-6, 1/nb) (float32) are bucketed against arange(1/nps, 1, 1/nps) (right-closed),
    /// and position = bucket_h · nps + bucket_w, written into the valid patches in order; padded patches get 0.
    /// The float32 arithmetic is kept: for some grid sizes it differs from the exact floor(i · nps / nb).
    /// </summary>
    /// <param name="patchMask">[F, gh, gw] bool, the valid patches forming a top-left rectangle</param>
    /// <returns>[F, gh·gw] int64</returns>
    public static Tensor PositionIds(Tensor patchMask, int positionsPerSide)
    {
        using var scope = NewDisposeScope();
        long f = patchMask.shape[0], cells = patchMask.shape[1] * patchMask.shape[2];
        var boundaries = torch.arange(1.0 / positionsPerSide, 1.0, 1.0 / positionsPerSide, dtype: float32);
        var result = torch.zeros(f, cells, dtype: int64);
        var maskCpu = patchMask.cpu();
        for (long i = 0; i < f; i++)
        {
            var frameMask = maskCpu[i];
            long nbH = frameMask[.., 0].sum().item<long>(), nbW = frameMask[0].sum().item<long>();
            if (nbH == 0 || nbW == 0) continue;
            var bucketH = torch.bucketize(torch.arange(0.0, 1 - 1e-6, 1.0 / nbH, dtype: float32), boundaries, right: true);
            var bucketW = torch.bucketize(torch.arange(0.0, 1 - 1e-6, 1.0 / nbW, dtype: float32), boundaries, right: true);
            var ids = (bucketH.unsqueeze(1) * positionsPerSide + bucketW).flatten();          // [nbH·nbW]
            result[i].index_put_(ids, frameMask.flatten());
        }
        return result.to(patchMask.device).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The connector (<c>connector</c>): pixel shuffle — token (r, c) of the (g/s) × (g/s) grid concatenates the patches
/// (r·s + dh, c·s + dw), (dh, dw) row-major — then <c>modality_projection.proj</c>, a Linear without bias.
/// </summary>
public sealed class Idefics3Connector : CheckpointModule
{
    private readonly Sequential _modalityProjection;
    private readonly int _scale;

    public Idefics3Connector(int visionWidth, int scale, int textWidth) : base(nameof(Idefics3Connector))
    {
        _scale = scale;
        _modalityProjection = nn.Sequential(("proj", nn.Linear(visionWidth * scale * scale, textWidth, hasBias: false)));
        register_module("modality_projection", _modalityProjection);
    }

    /// <param name="x">[F, P, C] with P = g², g a multiple of the scale</param>
    /// <returns>[F, P / s², s²·C]</returns>
    public static Tensor PixelShuffle(Tensor x, int scale)
    {
        using var scope = NewDisposeScope();
        long f = x.shape[0], p = x.shape[1], c = x.shape[2];
        long g = (long)Math.Round(Math.Sqrt(p));
        if (g * g != p || g % scale != 0)
            throw new ArgumentException($"pixel shuffle needs a square grid of patches whose side is a multiple of {scale}, got {p} patches");
        long t = g / scale;
        return x.view(f, t, scale, t, scale, c)                                               // [F, r, dh, c, dw, C]
            .permute(0, 1, 3, 2, 4, 5)                                                        // [F, r, c, dh, dw, C]
            .reshape(f, t * t, scale * scale * c)
            .MoveToOuterDisposeScope();
    }

    public Tensor Forward(Tensor x, VisionTrace? trace = null)
    {
        using var scope = NewDisposeScope();
        var shuffled = PixelShuffle(x, _scale);
        if (trace is not null) trace.PixelShuffle = shuffled.detach().clone().DetachFromDisposeScope();
        return _modalityProjection.forward(shuffled).MoveToOuterDisposeScope();
    }
}
