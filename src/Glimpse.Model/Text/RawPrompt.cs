namespace Glimpse.Model.Text;

/// <summary>
/// A prompt given directly as ids, already expanded, as in the reference set, whose prompts have no chat template.
/// P is then every position that is not BOS (position 0 holding <c>bosTokenId</c>), not an image token and not a
/// vision start/end marker, the reference set's rule.
/// </summary>
/// <param name="imageTokenId">The image token id (LLaVA image_token_index, Qwen2-VL image_token_id).</param>
/// <param name="bosTokenId">The model config's bos_token_id; Qwen2-VL's config has one although its tokenizer adds none.</param>
/// <param name="visionMarkerIds">Ids that frame the image (Qwen2-VL vision_start_token_id and vision_end_token_id).</param>
public sealed class RawPrompt(long imageTokenId, long? bosTokenId, IReadOnlyCollection<long>? visionMarkerIds = null)
{
    private readonly IReadOnlyCollection<long> _visionMarkerIds = visionMarkerIds ?? [];

    public PromptLayout Build(IReadOnlyList<long> inputIds)
    {
        var image = new List<int>();
        var question = new List<int>();
        var template = new List<int>();
        for (int i = 0; i < inputIds.Count; i++)
        {
            long id = inputIds[i];
            if (id == imageTokenId) image.Add(i);
            else if ((i == 0 && id == bosTokenId) || _visionMarkerIds.Contains(id)) template.Add(i);
            else question.Add(i);
        }
        if (image.Count == 0)
            throw new ArgumentException($"The prompt holds no image token (id {imageTokenId}).", nameof(inputIds));
        return new PromptLayout(inputIds.ToArray(), image.ToArray(), question.ToArray(), template.ToArray(), Text: "");
    }
}
