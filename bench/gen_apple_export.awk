# gen_apple_export.awk - a synthetic Apple Health export.xml of N records for `make bench`
# (scripts/bench-import.sh). Deterministic: the same bytes for the same N. Shape of a real
# HealthKit Export Version 14 file (wearables.md §1.2): an internal DTD subset, then Records
# of heart rate, steps (intervals), body mass, SpO2 (a 0-1 fraction) and every 50th record a
# blood-pressure Correlation (its children repeated at top level, as Apple writes them).
# Usage: awk -v N=1000000 -f bench/gen_apple_export.awk > export.xml
function ts(sec,   d, h, m, s) {
    d = int(sec / 86400); sec -= d * 86400
    h = int(sec / 3600); m = int((sec % 3600) / 60); s = sec % 60
    # 28-day months, 12 a year: always increasing, always a valid date
    return sprintf("%d-%02d-%02d %02d:%02d:%02d +0100", 2015 + int(d / 336), int((d % 336) / 28) + 1,
                   d % 28 + 1, h, m, s)
}
BEGIN {
    print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    print "<!DOCTYPE HealthData ["
    print "<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>"
    print "<!ATTLIST HealthData locale CDATA #REQUIRED>"
    print "<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>"
    print "<!ATTLIST Record type CDATA #REQUIRED unit CDATA #IMPLIED value CDATA #IMPLIED sourceName CDATA #REQUIRED startDate CDATA #REQUIRED endDate CDATA #REQUIRED>"
    print "]>"
    print "<HealthData locale=\"en_GB\">"
    print " <ExportDate value=\"2025-01-01 10:00:00 +0100\"/>"
    print " <Me HKCharacteristicTypeIdentifierDateOfBirth=\"1980-01-01\"/>"
    dev = "&lt;&lt;HKDevice: 0x282e3a260&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:10.2&gt;"
    hk = "HKQuantityTypeIdentifier"
    for (i = 0; i < N; i++) {
        t = i * 37
        k = i % 50
        if (k == 49) {
            sys = 110 + i % 30; dia = 70 + i % 15; d = ts(t)
            printf " <Correlation type=\"HKCorrelationTypeIdentifierBloodPressure\" sourceName=\"Omron\" sourceVersion=\"2.1\" creationDate=\"%s\" startDate=\"%s\" endDate=\"%s\">\n", d, d, d
            printf "  <MetadataEntry key=\"HKWasUserEntered\" value=\"0\"/>\n"
            printf "  <Record type=\"%sBloodPressureSystolic\" sourceName=\"Omron\" unit=\"mmHg\" creationDate=\"%s\" startDate=\"%s\" endDate=\"%s\" value=\"%d\"/>\n", hk, d, d, d, sys
            printf "  <Record type=\"%sBloodPressureDiastolic\" sourceName=\"Omron\" unit=\"mmHg\" creationDate=\"%s\" startDate=\"%s\" endDate=\"%s\" value=\"%d\"/>\n", hk, d, d, d, dia
            printf " </Correlation>\n"
        } else if (k % 4 == 0) {
            printf " <Record type=\"%sStepCount\" sourceName=\"Jo’s iPhone\" sourceVersion=\"17.2\" unit=\"count\" creationDate=\"%s\" startDate=\"%s\" endDate=\"%s\" value=\"%d\"/>\n", hk, ts(t + 60), ts(t), ts(t + 60), 20 + i % 90
        } else if (k == 13) {
            printf " <Record type=\"%sBodyMass\" sourceName=\"Withings\" unit=\"kg\" creationDate=\"%s\" startDate=\"%s\" endDate=\"%s\" value=\"%d.%d\"/>\n", hk, ts(t), ts(t), ts(t), 70 + i % 5, i % 10
        } else if (k == 27) {
            printf " <Record type=\"%sOxygenSaturation\" sourceName=\"Jo’s Apple Watch\" unit=\"%%\" device=\"%s\" creationDate=\"%s\" startDate=\"%s\" endDate=\"%s\" value=\"0.9%d\"/>\n", hk, dev, ts(t), ts(t), ts(t), 5 + i % 4
        } else {
            printf " <Record type=\"%sHeartRate\" sourceName=\"Jo’s Apple Watch\" sourceVersion=\"10.2\" device=\"%s\" unit=\"count/min\" creationDate=\"%s\" startDate=\"%s\" endDate=\"%s\" value=\"%d\">\n  <MetadataEntry key=\"HKMetadataKeyHeartRateMotionContext\" value=\"1\"/>\n </Record>\n", hk, dev, ts(t), ts(t), ts(t), 55 + i % 60
        }
    }
    print "</HealthData>"
}
