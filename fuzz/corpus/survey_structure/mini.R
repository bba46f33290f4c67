data <- read.csv("survey_1_R_data_file.csv", quote = "'\"", na.strings=c("", "\"\""), stringsAsFactors=FALSE, fileEncoding="UTF-8-BOM")
# LimeSurvey Field type: A
data[, 1] <- as.character(data[, 1])
attributes(data)$variable.labels[1] <- "functie"
data[, 1] <- factor(data[, 1], levels=c("A1","A2"),labels=c("Beleid", "Financien"))
names(data)[1] <- "functie"
