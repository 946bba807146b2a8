using Glimpse.Model.Text;

namespace Glimpse.Model.Families.LlavaNext;

/// <summary>
/// LLaVA-1.6's prompts, one user turn holding the image then the question, with the generation prompt. The vicuna
/// variants: <c>{system} USER: &lt;image&gt;\n{question} ASSISTANT:</c>; the Mistral variant:
/// <c>[INST] &lt;image&gt;\n{question} [/INST]</c>. BOS comes from the tokenizer's post-processor and
/// <c>&lt;image&gt;</c> expands to the image's token count.
/// </summary>
/// <param name="mistral">The llava-v1.6-mistral template instead of the vicuna one.</param>
/// <param name="imageTokenId">The config's image_token_index, checked against the tokenizer's "&lt;image&gt;"; null to take the tokenizer's.</param>
public sealed class LlavaNextChatTemplate(bool mistral, long? imageTokenId = null) : IChatTemplate
{
    public const string ImagePlaceholder = "<image>";

    /// <summary>The vicuna variants' default system prompt (their chat template's, when no system message is given).</summary>
    public const string VicunaSystemPrompt =
        "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the human's questions.";

    public bool Mistral { get; } = mistral;

    public PromptLayout Build(TextTokenizer tokenizer, string question, int imageTokenCount) =>
        QuestionPrompt.Build(
            tokenizer,
            prefix: Mistral ? $"[INST] {ImagePlaceholder}\n" : $"{VicunaSystemPrompt} USER: {ImagePlaceholder}\n",
            question,
            suffix: Mistral ? " [/INST]" : " ASSISTANT:",
            ImagePlaceholder,
            imageTokenId,
            templateTokens: [],
            imageTokenCount);
}
