namespace Glimpse.Model.Text;

/// <summary>Picks the chat template for a checkpoint by its Hugging Face <c>model_type</c>.</summary>
public static class ChatTemplates
{
    /// <param name="modelType">config.json's model_type.</param>
    /// <param name="imageTokenId">The config's image token id, checked against the tokenizer when building; null to skip the check.</param>
    /// <exception cref="NotSupportedException">No template is known for <paramref name="modelType"/>.</exception>
    public static IChatTemplate For(string modelType, long? imageTokenId = null) => modelType switch
    {
        "llava" => new LlavaChatTemplate(imageTokenId),
        // Qwen2.5-VL checkpoints ship Qwen2-VL's chat template.
        "qwen2_vl" or "qwen2_5_vl" => new Qwen2VLChatTemplate(imageTokenId),
        _ => throw new NotSupportedException(
            $"No chat template for model_type \"{modelType}\"; supported: \"llava\" (LLaVA-1.5), \"qwen2_vl\" (Qwen2-VL), \"qwen2_5_vl\" (Qwen2.5-VL)."),
    };
}
