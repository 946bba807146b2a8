using Glimpse.Model.Configuration;
using Glimpse.Model.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Architectures;

/// <summary>
/// A decoder-only vision-language model: a family-specific vision tower writes image features into the embeddings
/// of the image placeholder tokens, then a shared causal decoder and LM head run. Subclasses (one file per family)
/// supply the vision tower and the position ids; everything else — generation, the explain-mode forward — is here
/// and in the Generation namespace.
/// </summary>
public abstract class VisionLanguageModel : CheckpointModule
{
    private readonly Linear? _lmHead;

    protected VisionLanguageModel(string name, VisionLanguageConfig config) : base(name)
    {
        Config = config;
        LanguageModel = new TextDecoder(config.Text);
        // Tied checkpoints have no lm_head.weight: the LM head reads the input embedding matrix.
        _lmHead = config.Text.TieWordEmbeddings ? null : nn.Linear(config.Text.HiddenSize, config.Text.VocabSize, hasBias: false);
    }

    /// <summary>Registers the shared submodules under Hugging Face's (post-4.52, "model."-less) names.</summary>
    protected void RegisterLanguageModel()
    {
        register_module("language_model", LanguageModel);
        if (_lmHead is not null) register_module("lm_head", _lmHead);
    }

    public VisionLanguageConfig Config { get; }
    public TextDecoder LanguageModel { get; }

    public Device Device => LanguageModel.EmbeddingWeight.device;
    public ScalarType DType => LanguageModel.EmbeddingWeight.dtype;

    /// <summary>
    /// Image features, one row per image token, in the decoder's dtype: [K, D], or [K, (1 + M)·D] for a family whose
    /// image also adds to the hidden states after the first M decoder layers (<see cref="DecoderAdditionLayers"/>):
    /// columns [0, D) are written into the image tokens' embeddings, columns [(k+1)·D, (k+2)·D) are added to the
    /// image-token rows after decoder layer k (<see cref="ImageAdditions"/>).
    /// </summary>
    public abstract Tensor EncodeImage(ImageInput image);

    /// <summary>M: after how many of the first decoder layers the image's features are added again (Qwen3-VL's DeepStack); 0 for most families.</summary>
    public virtual int DecoderAdditionLayers => 0;

    /// <summary>
    /// Image features of several images processed alike (the same size, the same patch grid): [B, K, D]. This default
    /// encodes them one at a time; a family whose vision tower takes a batch (LLaVA) overrides it.
    /// </summary>
    public virtual Tensor EncodeImages(IReadOnlyList<ImageInput> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("No images to encode.", nameof(images));
        using var scope = NewDisposeScope();
        return torch.stack(images.Select(EncodeImage).ToArray()).MoveToOuterDisposeScope();
    }

    /// <summary>Position ids [axes, 1, N] for a full sequence, and the offset that positions after it follow
    /// (position of sequence index i ≥ N is i + delta on every axis).</summary>
    public abstract (Tensor Positions, long Delta) PositionIds(long[] ids, ImageInput? image);

    /// <summary>Raw logits [.., vocab] in float32.</summary>
    public Tensor Logits(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var logits = _lmHead is null
            ? nn.functional.linear(hidden, LanguageModel.EmbeddingWeight)
            : _lmHead.forward(hidden);
        return logits.to(float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Token embeddings [1, N, D] with the image features written, in order, into the image-token rows.
    /// The number of image tokens must equal the number of feature rows.
    /// </summary>
    public Tensor Embed(long[] ids, Tensor? imageFeatures)
    {
        using var scope = NewDisposeScope();
        ValidateIds(ids);
        var idTensor = torch.tensor(ids, device: Device).unsqueeze(0);                  // [1, N]
        var embeddings = LanguageModel.Embed(idTensor);                                   // [1, N, D]
        long imageTokens = ids.LongCount(id => id == Config.ImageTokenId);
        long featureRows = imageFeatures?.shape[0] ?? 0;
        if (imageTokens != featureRows)
            throw new ArgumentException(
                $"The prompt has {imageTokens} image tokens (id {Config.ImageTokenId}) but the image gives {featureRows} feature rows; " +
                "the placeholder must be expanded to exactly the image's token count.");
        if (imageFeatures is not null && featureRows > 0)
        {
            var mask = (idTensor == Config.ImageTokenId).unsqueeze(-1).expand_as(embeddings);
            var rows = CheckFeatureWidth(imageFeatures).narrow(-1, 0, Config.Text.HiddenSize);          // [K, D]
            embeddings = embeddings.masked_scatter(mask, rows.contiguous().to(embeddings.dtype));
        }
        return embeddings.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// What the image's features add to the image-token rows of <paramref name="ids"/> after the first
    /// <see cref="DecoderAdditionLayers"/> decoder layers; null when the family adds nothing or there is no image. Give it
    /// to <see cref="TextDecoder.Forward"/> with the embeddings of the same sequence (never for decoded tokens after it).
    /// </summary>
    /// <param name="imageFeatures"><see cref="EncodeImage"/>'s [K, W], or <see cref="EncodeImages"/>' [B, K, W] for a batch whose row b is image b</param>
    public LayerAdditions? ImageAdditions(long[] ids, Tensor? imageFeatures)
    {
        if (DecoderAdditionLayers == 0 || imageFeatures is null) return null;
        CheckFeatureWidth(imageFeatures);
        var batched = imageFeatures.dim() == 2 ? imageFeatures.unsqueeze(0) : imageFeatures;           // [B, K, W]
        long[] imageRows = Enumerable.Range(0, ids.Length).Where(i => ids[i] == Config.ImageTokenId).Select(i => (long)i).ToArray();
        if (imageRows.Length != batched.shape[1])
            throw new ArgumentException($"The prompt has {imageRows.Length} image tokens but the image gives {batched.shape[1]} feature rows.");
        int d = Config.Text.HiddenSize;
        var values = Enumerable.Range(1, DecoderAdditionLayers).Select(k => batched.narrow(-1, (long)k * d, d)).ToArray();   // [B, K, D] each
        return new LayerAdditions(torch.tensor(imageRows, device: imageFeatures.device), values);
    }

    private Tensor CheckFeatureWidth(Tensor imageFeatures)
    {
        long width = (1L + DecoderAdditionLayers) * Config.Text.HiddenSize;
        if (imageFeatures.shape[^1] != width)
            throw new ArgumentException(
                $"Image features are {imageFeatures.shape[^1]} wide; this model's are {width} (hidden {Config.Text.HiddenSize} × {1 + DecoderAdditionLayers}).");
        return imageFeatures;
    }

    /// <summary>Positions [axes, B, count] for tokens at sequence indices start … start+count−1 after a prompt.</summary>
    public Tensor PositionsAfter(long start, long count, long delta, long batch = 1)
    {
        using var scope = NewDisposeScope();
        var line = torch.arange(start + delta, start + delta + count, dtype: int64, device: Device);
        return line.view(1, 1, count).expand(LanguageModel.PositionAxes, batch, count).contiguous().MoveToOuterDisposeScope();
    }

    private void ValidateIds(long[] ids)
    {
        if (ids.Length == 0) throw new ArgumentException("The token sequence is empty.");
        int vocab = Config.Text.VocabSize;
        int bad = Array.FindIndex(ids, id => id < 0 || id >= vocab);
        if (bad >= 0) throw new ArgumentException($"Token id {ids[bad]} at position {bad} is outside the vocabulary (0…{vocab - 1}).");
    }
}
