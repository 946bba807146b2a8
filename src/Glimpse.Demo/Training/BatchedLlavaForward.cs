using Glimpse.Model.Families.Llava;
using Glimpse.Model.Architectures;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Demo.Training;

/// <summary>
/// The training forward of a LLaVA model over a whole batch: what <c>VisionLanguageModel.Embed</c> and the decoder do
/// for one sequence, for B sequences at once — image features written into the image-token rows, plain positions
/// 0…N−1, the fused causal attention, logits at every position.
/// </summary>
public static class BatchedLlavaForward
{
    /// <returns>logits [B, N, vocab], float32</returns>
    public static Tensor Logits(LlavaModel model, Tensor pixels, Tensor ids)
    {
        var (logits, features) = Forward(model, pixels, ids);
        features.Dispose();
        return logits;
    }

    /// <returns>logits [B, N, vocab] (float32) and the projected image features [B, K, D] written into the sequence</returns>
    public static (Tensor Logits, Tensor ImageFeatures) Forward(LlavaModel model, Tensor pixels, Tensor ids)
    {
        using var scope = NewDisposeScope();
        long b = ids.shape[0], n = ids.shape[1];
        var features = model.EncodeImages(pixels);                                          // [B, K, D]
        var embeddings = model.LanguageModel.Embed(ids);                                    // [B, N, D]
        var imageRows = (ids == model.Config.ImageTokenId).unsqueeze(-1).expand_as(embeddings);
        long imageTokens = (ids == model.Config.ImageTokenId).sum().item<long>();
        if (imageTokens != features.shape[0] * features.shape[1])
            throw new ArgumentException($"The batch has {imageTokens} image tokens but its images give {features.shape[0] * features.shape[1]} feature rows.");
        embeddings = embeddings.masked_scatter(imageRows, features.to(embeddings.dtype));
        var positions = torch.arange(n, dtype: int64, device: ids.device).view(1, 1, n).expand(1, b, n);
        var hidden = model.LanguageModel.Forward(embeddings, positions);
        return (model.Logits(hidden).MoveToOuterDisposeScope(), features.MoveToOuterDisposeScope());
    }
}
