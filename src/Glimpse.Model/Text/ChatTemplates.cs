using Glimpse.Model.Families;

namespace Glimpse.Model.Text;

/// <summary>Picks the chat template for a checkpoint by its Hugging Face <c>model_type</c> (the family's own).</summary>
public static class ChatTemplates
{
    /// <param name="modelType">config.json's model_type.</param>
    /// <param name="imageTokenId">The config's image token id, checked against the tokenizer when building; null to skip the check.</param>
    /// <exception cref="NotSupportedException">No family is registered for <paramref name="modelType"/>.</exception>
    public static IChatTemplate For(string modelType, long? imageTokenId = null) =>
        ModelFamilies.Find(modelType)?.ChatTemplate(imageTokenId) ?? throw new NotSupportedException(
            $"No chat template for model_type \"{modelType}\"; supported: {ModelFamilies.Supported}.");
}
