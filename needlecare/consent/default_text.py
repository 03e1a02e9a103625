"""The consent form every clinic starts from; owners change it as a new version on the consent page.

Clinical content follows /work/shared/CLINICAL.md (sections 1, 3, 5 and 6 and the contraindication
table). The sources give no reliable frequencies for most complications, so the text says which effects
are expected and what makes each risk more likely, rather than inventing percentages.
"""

TITLE = "Consent to microneedling (collagen induction therapy)"

BODY = """\
1. What the treatment is
Microneedling makes many tiny, shallow punctures in the skin with a pen that holds a sterile, single-use needle cartridge (or with a roller of fixed needle length). The skin heals these punctures and, over the following weeks and months, lays down new collagen and elastin. Your practitioner chooses the needle depth for each area treated, more shallowly where the skin is thin. A numbing cream may be applied first. A new sterile cartridge is used for every patient and every session, and its lot number is recorded.

2. What it can do, and what it cannot
Microneedling can improve fine lines, skin texture, enlarged pores, acne scars and surgical scars, stretch marks and some pigmentation. The change is gradual: it builds over a course of sessions (usually 3 to 6, about 4 to 6 weeks apart) and keeps improving for about 3 to 6 months after the last one. How much improves differs from person to person and cannot be guaranteed; deep "ice-pick" acne scars respond less well.
The results are not permanent. Your skin goes on ageing and slowly loses collagen, faster with sun exposure and smoking. To keep the improvement, most people need a maintenance session every 6 to 12 months; we will suggest when.

3. What to expect afterwards (normal, not a complication)
These are expected after almost every session and settle by themselves:
- redness like a mild sunburn, warmth and tightness, usually for 1 to 3 days;
- mild swelling for a day or two;
- pinpoint bleeding during the treatment, which stops on its own;
- dryness and light flaking for a few days.
Deeper treatment (needles longer than 1.5 mm) can take a day or two longer to settle.

4. Risks
Complications are not expected, but they can happen. The main ones, and what makes each more likely:
- Bruising: more likely if you take aspirin, other blood thinners or anti-inflammatory painkillers.
- Infection of the treated skin (bacterial, viral or fungal): more likely if the aftercare below is not followed, or with diabetes or a weakened immune system.
- A cold sore flare-up (herpes simplex): more likely if you have had cold sores, especially when the area around the mouth is treated; we may advise antiviral tablets beforehand.
- Darker patches (post-inflammatory hyperpigmentation), which may appear 2 to 4 weeks after a session: more likely with darker skin types (Fitzpatrick IV to VI) and with sun exposure; they usually fade over months.
- Redness lasting longer than 7 days.
- An allergic reaction to the numbing cream, to a product applied to the skin, or to the needle metal (for example nickel).
- Lumpy inflamed reactions of the skin (granulomas), reported after non-sterile serums were applied to freshly treated skin; we use only sterile products made for this use.
- Lines or "tram-track" marks, reported with rollers pressed too hard.
- Scarring, including raised (keloid) scars if you are prone to them.
- A flare-up of eczema, psoriasis or rosacea in the treated skin.

5. Your part: before and after each session
Before every session, tell us about any change in your health or medicines, pregnancy or breastfeeding, cold sores, sunburn, or recent treatments (isotretinoin, retinoid creams, anti-wrinkle injections, fillers, laser or peels). We check again before each session and may postpone it.
After a session:
- Do not wash the treated skin for 4 to 6 hours; then use lukewarm water and a gentle cleanser, and a bland moisturiser.
- No make-up for 24 hours. No exercise, sauna or swimming for 24 to 48 hours. Sleep on a clean pillowcase.
- Keep out of direct sun for 48 hours, then use a broad-spectrum sunscreen of SPF 30 or more every day.
- Do not pick or scrub flaking skin.
- Wait 7 days before using retinoids, AHA/BHA acids, vitamin C or other active products, and 14 days before any laser or peel.
Contact the clinic straight away if you have bleeding that does not stop; pain or swelling that increases after 48 hours; pus, spreading redness, warmth or a fever; blisters or a cold sore; redness lasting more than 7 days; a rash or itching; or darker patches appearing.

6. Alternatives
You do not have to have this treatment. Alternatives include doing nothing; skincare such as daily sunscreen and retinoid creams; chemical peels; laser or radiofrequency treatments; and, for some scars, fillers, subcision or surgery. Each has its own benefits and risks, and we are happy to discuss them.

7. Your right to withdraw
Your consent is voluntary. You may ask questions at any time, stop a session at any point, and withdraw this consent at any time without giving a reason. Withdrawing does not affect the care you have already received or your right to other treatment; tell the clinic and we will record it.

8. Your records
We keep a confidential clinical record of your treatment, including photographs of the treated areas taken to plan your treatment and measure your progress. Any other use of your photographs needs your separate permission below.

Declaration
I have read this information and had the chance to ask questions, which were answered to my satisfaction. The information I have given about my health and medicines is true and complete to the best of my knowledge. I understand that results are not guaranteed and are not permanent. I consent to a course of microneedling as explained above."""

PHOTO_USE_TEXT = (
    "Separately, and only if you agree: may the clinic use photographs of your treated areas, without "
    "your name, for training and as before-and-after examples (on its website, social media or printed "
    "material)? Saying no does not affect your treatment in any way, and you can change your mind at any "
    "time by telling the clinic."
)
